// Benchmark contender: ipfs-unixfs-importer with Kubo's settings over a file on disk, blocks
// hashed and then dropped (like Mantle's only-hash), printing the root CID.
// usage: node bench_import.mjs FILE [cidVersion=1]
import { importer } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced } from 'ipfs-unixfs-importer/layout'
import fs from 'node:fs'

const [file, version = '1'] = process.argv.slice(2)
const v = Number(version)
const discard = { async put (cid) { return cid }, async has () { return false } }
let root
for await (const entry of importer([{ path: 'file', content: fs.createReadStream(file, { highWaterMark: 1 << 20 }) }], discard, {
  cidVersion: v,
  rawLeaves: v === 1,
  chunker: fixedSize({ chunkSize: 262144 }),
  layout: balanced({ maxChildrenPerNode: 174 }),
  reduceSingleLeafToSelf: true,
  wrapWithDirectory: false
})) {
  root = entry.cid
}
console.log(root.toString())
