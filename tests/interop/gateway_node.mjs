// Loopback helpers shared by the interop tests, and the mantled the gateway interop tests run
// against: RPC and gateway on free loopback ports, a temp data dir, stopped (and the dir
// removed) by stop(). verified_fetch_test.mjs and car_verify_test.mjs launch it the same way.
import { spawn } from 'node:child_process'
import * as fs from 'node:fs/promises'
import * as net from 'node:net'
import * as os from 'node:os'
import * as path from 'node:path'
import { create } from 'kubo-rpc-client'
import { generatedBytes } from './cids.mjs'

export async function freePort () {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

export function canConnect (port, host = '127.0.0.1') {
  return new Promise(resolve => {
    const s = net.connect({ host, port })
    s.once('connect', () => { s.destroy(); resolve(true) })
    s.once('error', () => resolve(false))
  })
}

export class GatewayNode {
  static async start (bin, timeoutMs = Number(process.env.MANTLE_START_TIMEOUT_MS ?? 20000)) {
    const n = new GatewayNode()
    n.tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'mantle-gw-interop-'))
    n.rpcPort = await freePort()
    do { n.gwPort = await freePort() } while (n.gwPort === n.rpcPort)
    n.log = ''
    n.exited = null
    const args = ['--data-dir', path.join(n.tmp, 'data'), '--rpc-addr', `127.0.0.1:${n.rpcPort}`,
      '--gateway-addr', `127.0.0.1:${n.gwPort}`, '--console-addr', '127.0.0.1:0', '--peer-addr', '127.0.0.1:0']
    console.log(`# starting ${bin} ${args.join(' ')}`)
    n.proc = spawn(path.resolve(bin), args, { stdio: ['ignore', 'pipe', 'pipe'] })
    const keep = d => { n.log = (n.log + d.toString()).slice(-20000) }
    n.proc.stdout.on('data', keep)
    n.proc.stderr.on('data', keep)
    n.done = new Promise(resolve => {
      n.proc.once('exit', (code, signal) => { n.exited = { code, signal }; resolve() })
      n.proc.once('error', err => { n.exited = { error: err.message }; resolve() })
    })
    const deadline = Date.now() + timeoutMs
    for (;;) {
      if (n.exited) throw new Error(`mantled exited before it listened (${JSON.stringify(n.exited)})`)
      if (await canConnect(n.rpcPort) && await canConnect(n.gwPort)) break
      if (Date.now() > deadline) throw new Error(`mantled did not listen within ${timeoutMs} ms`)
      await new Promise(resolve => setTimeout(resolve, 100))
    }
    n.api = `http://127.0.0.1:${n.rpcPort}`
    n.gateway = `http://127.0.0.1:${n.gwPort}`
    return n
  }

  async stop () {
    if (!this.exited) {
      this.proc.kill('SIGTERM')
      const timer = setTimeout(() => { if (!this.exited) this.proc.kill('SIGKILL') }, 5000)
      await this.done
      clearTimeout(timer)
    }
    await fs.rm(this.tmp, { recursive: true, force: true })
  }
}

// pass/fail bookkeeping shared by the tests: each check prints one line.
export class Checks {
  constructor () { this.passed = 0; this.failed = 0 }
  check (ok, what, detail = '') {
    if (ok) { this.passed++; console.log(`ok   ${what}`) } else { this.failed++; console.log(`FAIL ${what}${detail ? `: ${detail}` : ''}`) }
    return ok
  }

  // Runs one named step; an exception fails it and the run goes on.
  async step (name, fn) {
    try { await fn() } catch (err) { this.check(false, name, `threw ${err?.name ?? 'Error'}: ${err?.message ?? err}`) }
  }

  summary () {
    console.log(`${this.passed} passed, ${this.failed} failed`)
    return this.failed === 0 && this.passed > 0 ? 0 : 1
  }
}

async function bytesOf (seed, size) {
  const parts = []
  for await (const p of generatedBytes(seed, size)) parts.push(p)
  return Buffer.concat(parts)
}

// The site both gateway tests read: a small file at the top, a multi-block file (5 MB: twenty
// 256 KiB leaves and more) three folders down, folders whose index.html stands for the folder.
export async function makeSite () {
  const files = {
    'site/hello.txt': Buffer.from('hello from mantle\n'),
    'site/index.html': Buffer.from('<!DOCTYPE html><html><body>home</body></html>\n'),
    'site/docs/deep/nested/big.bin': await bytesOf('vf-big', 5 * 1000 * 1000 + 123),
    'site/docs/deep/nested/note.md': await bytesOf('vf-note', 3000),
    'site/blog/index.html': Buffer.from('<html><body>blog index</body></html>\n'),
    'site/blog/post.html': Buffer.from('<html><body>first post</body></html>\n')
  }
  const dirs = ['site', 'site/blog', 'site/docs', 'site/docs/deep', 'site/docs/deep/nested']
  return { files, dirs }
}

// Adds the site through the RPC API (CID v1, raw leaves); returns path -> CID.
export async function addSite (api, { files, dirs }) {
  const client = create({ url: api, timeout: 60_000 })
  // What `ipfs add -r` uploads: each directory before its contents.
  const entries = [...dirs.map(d => ({ path: d })), ...Object.entries(files).map(([p, content]) => ({ path: p, content }))]
  entries.sort((a, b) => a.path.localeCompare(b.path))
  const cids = new Map()
  for await (const r of client.addAll(entries, { cidVersion: 1 })) cids.set(r.path, r.cid)
  return cids
}

// The body of a gateway test: starts the node named on the command line (or by MANTLED), runs
// `checks(node)` under a five-minute watchdog, stops the node; returns the exit status.
export async function runAgainstNode (script, t, checks) {
  const bin = process.argv[2] ?? process.env.MANTLED
  if (!bin) {
    console.error(`usage: ${script} PATH/TO/mantled   (or set MANTLED)`)
    return 2
  }
  let node = null
  const watchdog = setTimeout(async () => {
    console.log('FAIL watchdog: the run took more than 300 s')
    if (node) await node.stop()
    process.exit(1)
  }, 300_000)
  try {
    node = await GatewayNode.start(bin)
    await checks(node)
  } catch (err) {
    t.check(false, 'setup', err?.stack ?? String(err))
  } finally {
    clearTimeout(watchdog)
    if (node) {
      if (t.failed > 0) console.log(`# last node output:\n${node.log.split('\n').slice(-40).join('\n')}`)
      await node.stop()
    }
  }
  return t.summary()
}
