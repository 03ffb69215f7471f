#!/usr/bin/env node
// CIDs for files and directories as Kubo's `ipfs add` computes them, by ipfs-unixfs-importer
// (a UnixFS implementation nobody in this project wrote), so Mantle's importer can be checked
// against it.
//
//   node cids.mjs PATH...                 JSON [{path, type, size, v0, v1}] on stdout
//   node cids.mjs --vectors FILE.json     regenerate the inputs of tests/vectors/unixfs.json,
//                                         recompute every CID, report; exit 1 on any mismatch
//
// v0 = `ipfs add` defaults: CIDv0, dag-pb leaves of UnixFS type file, 256 KiB fixed chunks,
//      balanced DAG with 174 links per node, single-leaf files reduced to that leaf.
// v1 = `ipfs add --cid-version=1`: the same but CIDv1 with raw leaves.
import { importer } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced } from 'ipfs-unixfs-importer/layout'
import { BlackHoleBlockstore } from 'blockstore-core/black-hole'
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import * as fs from 'node:fs/promises'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'

const CHUNK = 262144
const LINKS = 174

function kuboOptions (cidVersion) {
  return {
    cidVersion,
    rawLeaves: cidVersion === 1,
    leafType: 'file',
    reduceSingleLeafToSelf: true,
    chunker: fixedSize({ chunkSize: CHUNK }),
    layout: balanced({ maxChildrenPerNode: LINKS }),
    // Kubo's default HAMT switch: estimated link bytes above 256 KiB.
    shardSplitThresholdBytes: 262144,
    shardSplitStrategy: 'links-bytes',
    fieldOrder: 'links-first',
    wrapWithDirectory: false
  }
}

export const kuboV0Options = () => kuboOptions(0)
export const kuboV1Options = () => kuboOptions(1)

// tests/vectors/unixfs.json's generator: SHA-256(seed_utf8 || u64le(i)) for i = 0, 1, ...
// concatenated and cut to size. Yields 64 KiB pieces so 45 MB files never sit in memory.
export async function * generatedBytes (seed, size) {
  const seedBytes = Buffer.from(seed, 'utf8')
  const piece = 65536
  let produced = 0
  let i = 0n
  while (produced < size) {
    const n = Math.min(piece, size - produced)
    const out = Buffer.allocUnsafe(n + 32)
    let filled = 0
    while (filled < n) {
      const ctr = Buffer.alloc(8)
      ctr.writeBigUInt64LE(i++)
      createHash('sha256').update(seedBytes).update(ctr).digest().copy(out, filled)
      filled += 32
    }
    // Pieces are a multiple of 32 bytes except the last, so digests never straddle pieces.
    produced += n
    yield out.subarray(0, n)
  }
}

export async function writeGenerated (file, seed, size) {
  const fh = await fs.open(file, 'w')
  try {
    for await (const b of generatedBytes(seed, size)) await fh.write(b)
  } finally {
    await fh.close()
  }
}

// Importer candidates for `p`, named relative to p's parent so a directory yields itself last.
async function * candidates (p) {
  const st = await fs.stat(p)
  const name = path.basename(path.resolve(p))
  if (st.isFile()) {
    yield { path: name, content: createReadStream(p) }
    return
  }
  if (!st.isDirectory()) throw new Error(`${p}: neither a file nor a directory`)
  yield * walk(p, name)
}

async function * walk (dir, rel) {
  const entries = await fs.readdir(dir, { withFileTypes: true })
  if (entries.length === 0) {
    yield { path: rel }
    return
  }
  for (const e of entries) {
    const full = path.join(dir, e.name)
    const r = `${rel}/${e.name}`
    if (e.isDirectory()) yield * walk(full, r)
    else if (e.isFile()) yield { path: r, content: createReadStream(full) }
    else throw new Error(`${full}: only regular files and directories are supported`)
  }
}

// The root CID `ipfs add` (or `ipfs add -r` for a directory) would print for p.
// `blockstore` receives every block when given (e.g. a MemoryBlockstore to compare DAGs).
export async function cidOf (p, cidVersion, blockstore = new BlackHoleBlockstore()) {
  let last
  for await (const entry of importer(candidates(p), blockstore, kuboOptions(cidVersion))) last = entry
  if (!last) throw new Error(`${p}: importer produced nothing`)
  return last.cid
}

// Same for bytes in memory (a single file, no name).
export async function cidOfBytes (bytes, cidVersion, blockstore = new BlackHoleBlockstore()) {
  let last
  for await (const entry of importer([{ content: bytes }], blockstore, kuboOptions(cidVersion))) last = entry
  return last.cid
}

export async function cidsOf (p) {
  const st = await fs.stat(p)
  return {
    path: p,
    type: st.isDirectory() ? 'directory' : 'file',
    size: st.isDirectory() ? undefined : st.size,
    v0: (await cidOf(p, 0)).toString(),
    v1: (await cidOf(p, 1)).toString()
  }
}

// Materialises a vectors "tree" ({name: {seed, size} | {} | {...subtree}}) under dir.
export async function writeTree (dir, tree) {
  await fs.mkdir(dir, { recursive: true })
  for (const [name, node] of Object.entries(tree)) {
    const p = path.join(dir, name)
    if (typeof node.seed === 'string') await writeGenerated(p, node.seed, node.size)
    else await writeTree(p, node)
  }
}

async function checkVectors (file) {
  const vectors = JSON.parse(await fs.readFile(file, 'utf8'))
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'mantle-cids-'))
  const results = []
  try {
    for (const f of vectors.files) {
      const p = path.join(tmp, `file-${f.seed}`)
      await writeGenerated(p, f.seed, f.size)
      const got = await cidsOf(p)
      await fs.rm(p)
      results.push({ what: `file ${f.seed} (${f.size} bytes)`, want: f, got })
    }
    for (const [i, d] of vectors.dirs.entries()) {
      const p = path.join(tmp, `dir-${i}`)
      await writeTree(p, d.tree)
      const got = await cidsOf(p)
      results.push({ what: `directory #${i}`, want: d, got })
    }
  } finally {
    await fs.rm(tmp, { recursive: true, force: true })
  }
  let bad = 0
  for (const r of results) {
    for (const v of ['v0', 'v1']) {
      const ok = r.want[v] === r.got[v]
      if (!ok) bad++
      console.log(`${ok ? 'ok  ' : 'FAIL'} ${r.what} ${v} ${ok ? r.got[v] : `want ${r.want[v]} got ${r.got[v]}`}`)
    }
  }
  console.log(`cids: ${results.length * 2 - bad} passed, ${bad} failed`)
  return bad === 0
}

async function main (argv) {
  if (argv[0] === '--vectors') {
    if (argv.length !== 2) throw new Error('usage: cids.mjs --vectors tests/vectors/unixfs.json')
    process.exit((await checkVectors(argv[1])) ? 0 : 1)
  }
  if (argv.length === 0 || argv[0] === '-h' || argv[0] === '--help') {
    console.error('usage: cids.mjs PATH... | cids.mjs --vectors FILE.json')
    process.exit(2)
  }
  const out = []
  for (const p of argv) out.push(await cidsOf(p))
  console.log(JSON.stringify(out, null, 2))
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch(err => {
    console.error(`cids.mjs: ${err.message}`)
    process.exit(1)
  })
}
