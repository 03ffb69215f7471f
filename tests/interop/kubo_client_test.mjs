#!/usr/bin/env node
// Drives a Mantle node with kubo-rpc-client, the JS client written for Kubo, and checks every
// answer against ipfs-unixfs-importer (cids.mjs) and @ipld/car: none of them were written here.
//
//   node kubo_client_test.mjs [PATH/TO/mantled]      starts mantled on a free loopback port
//   MANTLED=PATH node kubo_client_test.mjs            same
//   node kubo_client_test.mjs --api http://127.0.0.1:5001
//                                                     tests a node that is already running
//                                                     (also useful against real Kubo, to check
//                                                     the test itself)
// Env: MANTLED_ARGS (extra node arguments, space separated), MANTLE_START_TIMEOUT_MS (20000).
// Exits 0 when every check passes, 1 on any mismatch (each one printed), 2 on bad usage.
import { create } from 'kubo-rpc-client'
import { CarBlockIterator } from '@ipld/car/iterator'
import { sha256 } from 'multiformats/hashes/sha2'
import { identity } from 'multiformats/hashes/identity'
import { spawn } from 'node:child_process'
import { createReadStream } from 'node:fs'
import * as fs from 'node:fs/promises'
import * as os from 'node:os'
import * as path from 'node:path'
import { importer, importDirectory } from 'ipfs-unixfs-importer'
import { cidOf, cidOfBytes, generatedBytes, kuboV0Options, writeTree } from './cids.mjs'
import { canConnect, freePort } from './gateway_node.mjs'

// The same tree as tests/vectors/unixfs.json's directory: nested dirs, an empty dir, a file
// just over one chunk, names whose byte order differs from case-insensitive order.
const TREE = {
  'index.html': { seed: 'mantle-index', size: 1200 },
  'a.bin': { seed: 'mantle-a', size: 300000 },
  empty: {},
  docs: {
    'readme.md': { seed: 'mantle-readme', size: 77 },
    'Z.txt': { seed: 'mantle-Z', size: 5 },
    deep: { x: { seed: 'mantle-x', size: 262145 } }
  }
}
const TOP = 'site'

let passed = 0
let failed = 0
function check (ok, what, detail = '') {
  if (ok) {
    passed++
    console.log(`ok   ${what}`)
  } else {
    failed++
    console.log(`FAIL ${what}${detail ? `: ${detail}` : ''}`)
  }
  return ok
}
function checkEq (got, want, what) {
  const g = String(got)
  const w = String(want)
  return check(g === w, what, `expected ${w}, got ${g}`)
}
// Runs one named step; an exception (HTTP error, bad response) fails it and the run goes on.
async function step (name, fn) {
  try {
    await fn()
  } catch (err) {
    check(false, name, `threw ${err?.name ?? 'Error'}: ${err?.message ?? err}`)
  }
}

async function bytesOf (seed, size) {
  const parts = []
  for await (const p of generatedBytes(seed, size)) parts.push(p)
  return Buffer.concat(parts)
}

async function collect (iterable) {
  const parts = []
  for await (const p of iterable) parts.push(p)
  return Buffer.concat(parts)
}

// A blockstore for the importer that keeps blocks so the node's DAG can be compared block by block.
class KeepBlocks {
  constructor () { this.blocks = new Map() }
  async put (cid, bytes) {
    if (!(bytes instanceof Uint8Array)) bytes = await collect(bytes)
    this.blocks.set(cid.toString(), bytes)
    return cid
  }
}

class Node {
  constructor (bin, dataDir, port, extraArgs) {
    this.log = ''
    this.exited = null
    const args = ['--data-dir', dataDir, '--rpc-addr', `127.0.0.1:${port}`, '--gateway-addr', '127.0.0.1:0', '--console-addr', '127.0.0.1:0', '--peer-addr', '127.0.0.1:0', ...extraArgs]
    console.log(`# starting ${bin} ${args.join(' ')}`)
    this.proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    const keep = d => { this.log = (this.log + d.toString()).slice(-20000) }
    this.proc.stdout.on('data', keep)
    this.proc.stderr.on('data', keep)
    this.done = new Promise(resolve => {
      this.proc.once('exit', (code, signal) => { this.exited = { code, signal }; resolve() })
      this.proc.once('error', err => { this.exited = { error: err.message }; resolve() })
    })
  }

  async waitReady (port, timeoutMs) {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      if (this.exited) throw new Error(`mantled exited before it listened (${JSON.stringify(this.exited)})`)
      if (await canConnect(port)) return
      await new Promise(resolve => setTimeout(resolve, 100))
    }
    throw new Error(`mantled did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`)
  }

  async stop () {
    if (this.exited) return
    this.proc.kill('SIGTERM')
    const timer = setTimeout(() => { if (!this.exited) this.proc.kill('SIGKILL') }, 5000)
    await this.done
    clearTimeout(timer)
  }
}

async function main (argv) {
  let api = null
  let bin = process.env.MANTLED ?? null
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--api') api = argv[++i]
    else if (argv[i].startsWith('-')) { console.error(`unknown option ${argv[i]}`); return 2 }
    else bin = argv[i]
  }
  if (!api && !bin) {
    console.error('usage: kubo_client_test.mjs PATH/TO/mantled | --api URL   (or set MANTLED)')
    return 2
  }

  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'mantle-interop-'))
  let node = null
  // A hung node must not hang CI: give up after five minutes whatever happens.
  const watchdog = setTimeout(async () => {
    console.log('FAIL watchdog: the run took more than 300 s')
    if (node) await node.stop()
    process.exit(1)
  }, 300_000)
  try {
    if (!api) {
      const port = await freePort()
      const extra = (process.env.MANTLED_ARGS ?? '').split(' ').filter(Boolean)
      node = new Node(path.resolve(bin), path.join(tmp, 'data'), port, extra)
      await node.waitReady(port, Number(process.env.MANTLE_START_TIMEOUT_MS ?? 20000))
      api = `http://127.0.0.1:${port}`
    }
    const u = new URL(api)
    if (!(await canConnect(Number(u.port || 80), u.hostname))) throw new Error(`nothing listens at ${api}`)
    const client = create({ url: api, timeout: 60_000 })
    await runChecks(client, tmp)
  } catch (err) {
    check(false, 'setup', err?.message ?? String(err))
  } finally {
    clearTimeout(watchdog)
    if (node) {
      await node.stop()
      if (failed > 0) console.log(`# last node output:\n${node.log.split('\n').slice(-40).join('\n')}`)
    }
    await fs.rm(tmp, { recursive: true, force: true })
  }
  console.log(`${passed} passed, ${failed} failed`)
  return failed === 0 && passed > 0 ? 0 : 1
}

// Checks one CAR stream: the roots, each block's bytes against its CID, no duplicates,
// the root first (depth-first from the root), and exactly the blocks the importer made.
async function checkCar (stream, root, expectedBlocks, what) {
  const car = await CarBlockIterator.fromIterable(stream)
  checkEq(car.version, 1, `${what}: CAR version`)
  const roots = await car.getRoots()
  checkEq(roots.map(String).join(','), root.toString(), `${what}: CAR roots`)
  const seen = []
  let badHash = 0
  for await (const { cid, bytes } of car) {
    const hasher = cid.multihash.code === identity.code ? identity : sha256
    const digest = await hasher.digest(bytes)
    if (Buffer.compare(Buffer.from(digest.bytes), Buffer.from(cid.multihash.bytes)) !== 0) badHash++
    seen.push(cid.toString())
  }
  checkEq(badHash, 0, `${what}: every block matches its CID`)
  checkEq(seen.length, new Set(seen).size, `${what}: no duplicate blocks`)
  checkEq(seen[0], root.toString(), `${what}: root block first`)
  const want = [...expectedBlocks.keys()].sort().join('\n')
  const got = [...new Set(seen)].sort().join('\n')
  check(got === want, `${what}: block set equals the importer's (${expectedBlocks.size} blocks)`,
    `node sent ${seen.length} blocks, importer made ${expectedBlocks.size}`)
}

async function runChecks (client, tmp) {
  // --- a file of three chunks, v0 (Kubo defaults) and v1 (--cid-version=1) ---
  const fileBytes = await bytesOf('mantle-interop-file', 600000)
  const fileBlocks0 = new KeepBlocks()
  const fileBlocks1 = new KeepBlocks()
  const want0 = await cidOfBytes(fileBytes, 0, fileBlocks0)
  const want1 = await cidOfBytes(fileBytes, 1, fileBlocks1)
  let file0 = null
  let file1 = null

  await step('add file (defaults)', async () => {
    const res = await client.add(fileBytes)
    file0 = res.cid
    checkEq(res.cid, want0, 'add file: CIDv0 equals the importer\'s')
  })
  await step('add file --cid-version=1', async () => {
    const res = await client.add(fileBytes, { cidVersion: 1 })
    file1 = res.cid
    checkEq(res.cid, want1, 'add file --cid-version=1: CID equals the importer\'s')
  })
  await step('add small file', async () => {
    const small = new TextEncoder().encode('hello mantle\n')
    const res = await client.add(small)
    checkEq(res.cid, await cidOfBytes(small, 0), 'add small file: CIDv0 equals the importer\'s')
  })
  await step('add -w (wrap with directory)', async () => {
    const content = await bytesOf('mantle-wrap', 1000)
    const results = []
    for await (const r of client.addAll([{ path: 'hello.txt', content }], { wrapWithDirectory: true })) results.push(r)
    const dir = path.join(tmp, 'wrap')
    await fs.mkdir(dir)
    await fs.writeFile(path.join(dir, 'hello.txt'), content)
    const wrapped = await cidOf(dir, 0)
    checkEq(results.at(-1)?.cid, wrapped, 'add -w: wrapper directory CID equals the importer\'s')
    checkEq(results.at(-1)?.path, '', 'add -w: wrapper reported with an empty path')
  })

  await step('cat file', async () => {
    const got = await collect(client.cat(file0 ?? want0))
    check(Buffer.compare(got, fileBytes) === 0, 'cat: bytes round trip', `got ${got.length} bytes, want ${fileBytes.length}`)
    const v1 = await collect(client.cat(file1 ?? want1))
    check(Buffer.compare(v1, fileBytes) === 0, 'cat v1: bytes round trip', `got ${v1.length} bytes`)
  })
  await step('cat --offset --length across a chunk boundary', async () => {
    const got = await collect(client.cat(want0, { offset: 262140, length: 10 }))
    check(Buffer.compare(got, fileBytes.subarray(262140, 262150)) === 0, 'cat offset/length: the right 10 bytes',
      `got ${got.toString('hex')}`)
  })
  await step('block stat', async () => {
    const root = await client.block.stat(want0)
    checkEq(root.cid, want0, 'block stat: echoes the CID')
    checkEq(root.size, fileBlocks0.blocks.get(want0.toString())?.length, 'block stat: root block size')
    const leaf = [...fileBlocks1.blocks].find(([k, b]) => k.startsWith('bafkrei') && b.length === 262144)?.[0]
    const st = await client.block.stat(leaf)
    checkEq(st.size, 262144, 'block stat: raw leaf size is one chunk')
  })

  // --- a directory tree, v0 and v1, every entry compared by path ---
  const dir = path.join(tmp, TOP)
  await writeTree(dir, TREE)
  const dirBlocks0 = new KeepBlocks()
  const wantDir0 = await cidOf(dir, 0, dirBlocks0)
  const wantDir1 = await cidOf(dir, 1)
  const wantEntries = await importerEntries(dir)
  let dir0 = null

  await step('add -r directory', async () => {
    const got = new Map()
    for await (const r of client.addAll(dirSource(dir, TOP))) got.set(r.path, r.cid.toString())
    dir0 = got.get(TOP) ?? null
    checkEq(got.get(TOP), wantDir0, 'add -r: directory CIDv0 equals the importer\'s')
    for (const [p, c] of wantEntries) checkEq(got.get(p), c, `add -r: entry ${p}`)
  })
  await step('add -r --cid-version=1', async () => {
    let top = null
    for await (const r of client.addAll(dirSource(dir, TOP), { cidVersion: 1 })) if (r.path === TOP) top = r.cid
    checkEq(top, wantDir1, 'add -r --cid-version=1: directory CID equals the importer\'s')
  })
  await step('ls directory', async () => {
    const got = []
    for await (const e of client.ls(dir0 ?? wantDir0)) got.push(e)
    const want = [...wantEntries].filter(([p]) => p.split('/').length === 2)
      .map(([p, c]) => ({ name: p.split('/')[1], cid: c }))
      .sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)))
    checkEq(got.map(e => e.name).join(','), want.map(e => e.name).join(','), 'ls: names in link (byte) order')
    for (const w of want) {
      const e = got.find(g => g.name === w.name)
      checkEq(e?.cid, w.cid, `ls: ${w.name} CID`)
      const isDir = typeof subtree(TREE, w.name).seed !== 'string'
      checkEq(e?.type, isDir ? 'dir' : 'file', `ls: ${w.name} type`)
      if (!isDir) checkEq(e?.size, subtree(TREE, w.name).size, `ls: ${w.name} size`)
    }
    const sub = []
    for await (const e of client.ls(`/ipfs/${wantDir0}/docs`)) sub.push(e.name)
    checkEq(sub.join(','), 'Z.txt,deep,readme.md', 'ls of a path inside the DAG')
  })
  await step('pin ls', async () => {
    const direct = []
    for await (const p of client.pin.ls({ paths: [wantDir0] })) direct.push(p)
    checkEq(direct.map(p => `${p.cid} ${p.type}`).join(','), `${wantDir0} recursive`, 'pin ls ROOT: added roots are pinned recursively')
    const child = wantEntries.get(`${TOP}/docs/readme.md`)
    const ind = []
    for await (const p of client.pin.ls({ paths: [child] })) ind.push(p)
    check(ind.length === 1 && String(ind[0].type).startsWith('indirect'), 'pin ls CHILD: a file inside is pinned indirectly',
      JSON.stringify(ind.map(p => ({ cid: String(p.cid), type: p.type }))))
    const all = new Set()
    for await (const p of client.pin.ls({ type: 'recursive' })) all.add(p.cid.toString())
    check(all.has(wantDir0.toString()) && all.has(want0.toString()), 'pin ls --type=recursive lists the added file and directory')
  })

  // --- dag export: parse the node's CAR with @ipld/car ---
  await step('dag export directory', async () => {
    await checkCar(client.dag.export(wantDir0), wantDir0, dirBlocks0.blocks, 'dag export dir')
  })
  await step('dag export file v1', async () => {
    await checkCar(client.dag.export(want1), want1, fileBlocks1.blocks, 'dag export file v1')
  })
  // A lone node: nothing fetched from peers, nothing wanted, no partners.
  await step('bitswap stat and wantlist', async () => {
    const st = await client.bitswap.stat()
    checkEq(st.blocksReceived, 0n, 'bitswap stat: blocksReceived parsed as a BigInt')
    checkEq(st.dupDataReceived, 0n, 'bitswap stat: dupDataReceived')
    check(Array.isArray(st.wantlist) && st.wantlist.length === 0, 'bitswap stat: an empty wantlist')
    check(Array.isArray(st.peers) && st.peers.length === 0, 'bitswap stat: no partners')
    const wl = await client.bitswap.wantlist()
    check(Array.isArray(wl) && wl.length === 0, 'bitswap wantlist: empty')
  })
}

function subtree (tree, rel) {
  return rel.split('/').reduce((t, name) => t[name], tree)
}

// What `ipfs add -r` uploads: every directory before its contents (as globSource does), files
// streamed from disk, empty directories as parts of their own.
async function * dirSource (dir, rel) {
  yield { path: rel }
  const entries = (await fs.readdir(dir, { withFileTypes: true }))
    .sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)))
  for (const e of entries) {
    const full = path.join(dir, e.name)
    if (e.isDirectory()) yield * dirSource(full, `${rel}/${e.name}`)
    else yield { path: `${rel}/${e.name}`, content: createReadStream(full) }
  }
}

// path -> CIDv0 for every file and directory under (and including) dir, from the importer.
async function importerEntries (dir) {
  const out = new Map()
  const source = []
  for await (const c of dirSource(dir, TOP)) source.push(c)
  for await (const e of importer(source, new KeepBlocks(), kuboV0Options())) out.set(e.path, e.cid.toString())
  // The importer builds empty directories but does not report them; `ipfs add -r` does.
  const empty = await importDirectory({ path: 'empty' }, new KeepBlocks(), kuboV0Options())
  const addEmpty = (tree, rel) => {
    for (const [name, node] of Object.entries(tree)) {
      if (typeof node.seed === 'string') continue
      if (Object.keys(node).length === 0) out.set(`${rel}/${name}`, empty.cid.toString())
      else addEmpty(node, `${rel}/${name}`)
    }
  }
  addEmpty(TREE, TOP)
  return out
}

main(process.argv.slice(2)).then(code => process.exit(code), err => {
  console.error(err)
  process.exit(1)
})
