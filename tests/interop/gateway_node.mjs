// Loopback helpers shared by the interop tests, and the mantled the gateway interop tests run
// against: RPC and gateway on free loopback ports, a temp data dir, stopped (and the dir
// removed) by stop(). verified_fetch_test.mjs and car_verify_test.mjs launch it the same way.
import { spawn } from 'node:child_process'
import * as fs from 'node:fs/promises'
import * as net from 'node:net'
import * as os from 'node:os'
import * as path from 'node:path'

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
      '--gateway-addr', `127.0.0.1:${n.gwPort}`]
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
