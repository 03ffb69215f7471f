#!/usr/bin/env node
// Mantle's gateway as a trustless CAR source, read with libraries nobody here wrote: @ipld/car
// parses each ?format=car response, every block is hashed and compared with its CID
// (multiformats), and ipfs-unixfs-exporter rebuilds files from those blocks alone (a memory
// blockstore filled from the CAR, nothing else), which must equal what was added.
// Covers the whole DAG, dag-scope=entity / block on a path, and entity-bytes ranges.
//
//   node car_verify_test.mjs PATH/TO/mantled      (or MANTLED=PATH)
// Exits 0 when every check passes, 1 otherwise (a gateway without format=car fails), 2 on usage.
import { CarBlockIterator } from '@ipld/car/iterator'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { exporter } from 'ipfs-unixfs-exporter'
import { identity } from 'multiformats/hashes/identity'
import { sha256 } from 'multiformats/hashes/sha2'
import { Checks, addSite, makeSite, runAgainstNode } from './gateway_node.mjs'

const t = new Checks()

async function collect (iterable) {
  const parts = []
  for await (const p of iterable) parts.push(p)
  return Buffer.concat(parts)
}

// GETs a CAR and loads it into a fresh blockstore, checking the response type, the CAR
// version and roots, each block's hash, and that no block comes twice.
async function fetchCar (url, what, wantRoot) {
  const res = await fetch(url, { headers: { accept: 'application/vnd.ipld.car' }, signal: AbortSignal.timeout(60_000) })
  if (res.status !== 200) {
    t.check(false, `${what}: status 200`, `status ${res.status}: ${(await res.text()).slice(0, 200)}`)
    return null
  }
  t.check(true, `${what}: status 200`)
  t.check((res.headers.get('content-type') ?? '').startsWith('application/vnd.ipld.car'), `${what}: typed as a CAR`,
    res.headers.get('content-type'))
  const car = await CarBlockIterator.fromIterable(res.body)
  t.check(car.version === 1, `${what}: CAR version 1`, `version ${car.version}`)
  const roots = (await car.getRoots()).map(String)
  if (wantRoot) t.check(roots.length === 1 && roots[0] === wantRoot.toString(), `${what}: the CAR root`, roots.join(','))
  const store = new MemoryBlockstore()
  const seen = new Set()
  let bad = 0
  let dup = 0
  for await (const { cid, bytes } of car) {
    const hasher = cid.multihash.code === identity.code ? identity : sha256
    const digest = await hasher.digest(bytes)
    if (!Buffer.from(digest.digest).equals(Buffer.from(cid.multihash.digest))) bad++
    if (seen.has(cid.toString())) dup++
    seen.add(cid.toString())
    await store.put(cid, bytes)
  }
  t.check(bad === 0, `${what}: every block hashes to its CID (${seen.size} blocks)`, `${bad} mismatches`)
  t.check(dup === 0, `${what}: no block comes twice`, `${dup} duplicates`)
  return { store, count: seen.size }
}

// Exports `root/sub` from the blockstore alone; offset/length for ranges.
async function exportBytes (store, root, sub, options = {}) {
  const entry = await exporter(sub ? `${root}/${sub}` : root, store)
  return collect(entry.content(options))
}

async function runChecks (node) {
  const site = await makeSite()
  const cids = await addSite(node.api, site)
  const root = cids.get('site')
  if (!t.check(root != null, 'the site was added through the RPC API')) return
  const gw = node.gateway
  console.log(`# root ${root}, gateway ${gw}`)

  await t.step('the whole DAG as a CAR', async () => {
    const car = await fetchCar(`${gw}/ipfs/${root}?format=car`, 'whole DAG', root)
    if (!car) return
    for (const [p, want] of Object.entries(site.files)) {
      const sub = p.slice('site/'.length)
      const got = await exportBytes(car.store, root, sub)
      t.check(got.equals(want), `whole DAG: ${sub} rebuilt from the CAR's blocks equals what was added`,
        `${got.length} bytes, want ${want.length}`)
    }
    const names = []
    const walk = async (dir, prefix) => {
      for await (const e of dir.entries()) {
        names.push(prefix + e.name)
        const child = await exporter(e.cid, car.store)
        if (child.type === 'directory') await walk(child, `${prefix}${e.name}/`)
      }
    }
    await walk(await exporter(root, car.store), '')
    t.check(names.length === Object.keys(site.files).length + site.dirs.length - 1,
      'whole DAG: every file and folder is listed from the CAR', names.join(' '))
  })

  const big = 'docs/deep/nested/big.bin'
  const bigBytes = site.files[`site/${big}`]
  await t.step('dag-scope=entity on a path', async () => {
    const car = await fetchCar(`${gw}/ipfs/${root}/${big}?format=car&dag-scope=entity`, 'entity', root)
    if (!car) return
    const got = await exportBytes(car.store, root, big)
    t.check(got.equals(bigBytes), 'entity: the path and the whole 5 MB file come in the CAR', `${got.length} bytes`)
    t.check(!(await car.store.has(cids.get('site/hello.txt'))), 'entity: a file off the path is not in the CAR')
  })

  await t.step('dag-scope=block on a path', async () => {
    const car = await fetchCar(`${gw}/ipfs/${root}/${big}?format=car&dag-scope=block`, 'block', root)
    if (!car) return
    // root, docs, deep, nested, and the file's root block: nothing of its leaves.
    t.check(car.count === 5, 'block: only the path and the terminal block', `${car.count} blocks`)
    t.check(await car.store.has(cids.get(`site/${big}`)), 'block: the terminal block is there')
  })

  await t.step('entity-bytes ranges', async () => {
    const from = 1_000_000
    const to = 1_300_000 // inclusive, spans two 256 KiB leaves
    const car = await fetchCar(`${gw}/ipfs/${root}/${big}?format=car&dag-scope=entity&entity-bytes=${from}:${to}`, 'entity-bytes', root)
    if (!car) return
    const got = await exportBytes(car.store, root, big, { offset: from, length: to - from + 1 })
    t.check(got.equals(bigBytes.subarray(from, to + 1)), 'entity-bytes: the range rebuilds from the CAR alone', `${got.length} bytes`)
    t.check(car.count < 12, 'entity-bytes: only the leaves the range needs (far fewer than the 20 of the file)', `${car.count} blocks`)
    const tail = await fetchCar(`${gw}/ipfs/${root}/${big}?format=car&dag-scope=entity&entity-bytes=-1000:*`, 'entity-bytes tail', root)
    if (!tail) return
    const end = await exportBytes(tail.store, root, big, { offset: bigBytes.length - 1000 })
    t.check(end.equals(bigBytes.subarray(bigBytes.length - 1000)), 'entity-bytes: a negative start counts from the end')
  })
}

process.exit(await runAgainstNode('car_verify_test.mjs', t, runChecks))
