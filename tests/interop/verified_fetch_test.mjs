#!/usr/bin/env node
// A trustless client nobody here wrote, @helia/verified-fetch, retrieves content from Mantle's
// HTTP gateway and checks every block against its CID itself; this test then compares the bytes
// with what was added. Helia is built by hand so the gateway under test is its only source:
// no libp2p, no bitswap, no delegated routing, no public gateway (the run works offline).
// A tampering proxy in front of the gateway shows that the client really verifies.
//
//   node verified_fetch_test.mjs PATH/TO/mantled      (or MANTLED=PATH)
// Exits 0 when every check passes, 1 otherwise, 2 on bad usage.
import { createVerifiedFetch } from '@helia/verified-fetch'
import { fallbackRouter } from '@helia/fallback-router'
import { withHTTP } from '@helia/http'
import { createHeliaLight } from 'helia'
import * as http from 'node:http'
import { Checks, addSite, freePort, makeSite, runAgainstNode } from './gateway_node.mjs'

const t = new Checks()

async function makeFetch (gateway) {
  const helia = withHTTP(createHeliaLight({}), {
    delegatedRouters: [],
    recursiveGateways: [],
    allowInsecure: true, // plain http on loopback: this is a test
    allowLocal: true
  })
  // The gateway is the only content router. Handed over as a "fallback" gateway
  // (recursiveGateways) it is never asked: helia 7.1.15 waits forever for the non-fallback
  // routers to finish when there are none, so it is wrapped as an ordinary router.
  const only = fallbackRouter({ gateways: [gateway], shuffle: false })
  helia.addRouter({ name: 'mantle-gateway', findProviders: (c, o) => only.findProviders(c, o) })
  await helia.start()
  return { helia, fetch: await createVerifiedFetch(helia) }
}

async function fetchBytes (vf, url, timeoutMs = 60_000) {
  const res = await vf(url, { signal: AbortSignal.timeout(timeoutMs) })
  const body = Buffer.from(await res.arrayBuffer())
  return { status: res.status, type: res.headers.get('content-type') ?? '', body }
}

// Forwards to the gateway, flipping one byte of every block whose CID is in `victims`.
async function tamperingProxy (gateway, victims) {
  const port = await freePort()
  const srv = http.createServer(async (req, res) => {
    try {
      const up = await fetch(gateway + req.url, { headers: { accept: req.headers.accept ?? '*/*' } })
      let body = Buffer.from(await up.arrayBuffer())
      if ([...victims].some(c => req.url.includes(c)) && body.length > 0) {
        body = Buffer.from(body)
        body[0] ^= 0xff
      }
      const headers = {}
      up.headers.forEach((v, k) => { if (k !== 'content-length' && k !== 'transfer-encoding') headers[k] = v })
      res.writeHead(up.status, headers)
      res.end(body)
    } catch (err) {
      res.writeHead(502)
      res.end(String(err))
    }
  })
  await new Promise(resolve => srv.listen(port, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise(resolve => srv.close(resolve)) }
}

async function runChecks (node) {
  const site = await makeSite()
  const cids = await addSite(node.api, site)
  const root = cids.get('site')
  if (!t.check(root != null, 'the site was added through the RPC API')) return
  console.log(`# root ${root}, gateway ${node.gateway}`)

  const { helia, fetch: vf } = await makeFetch(node.gateway)
  try {
    const want = site.files
    for (const [name, what] of [
      ['hello.txt', 'a small file at the root'],
      ['docs/deep/nested/big.bin', 'a 5 MB multi-block file three folders down'],
      ['docs/deep/nested/note.md', 'a small file three folders down'],
      ['blog/post.html', 'a file in a folder with an index']
    ]) {
      await t.step(what, async () => {
        const r = await fetchBytes(vf, `ipfs://${root}/${name}`)
        t.check(r.status === 200 && r.body.equals(want[`site/${name}`]), `${what}: ipfs://<root>/${name} comes back verified and equal`,
          `status ${r.status}, ${r.body.length} bytes, want ${want[`site/${name}`].length}`)
      })
    }
    await t.step('the multi-block file by its own CID', async () => {
      const c = cids.get('site/docs/deep/nested/big.bin')
      const r = await fetchBytes(vf, `ipfs://${c}`)
      t.check(r.status === 200 && r.body.equals(want['site/docs/deep/nested/big.bin']), 'the 5 MB file by its own CID is equal',
        `status ${r.status}, ${r.body.length} bytes`)
    })
    await t.step('a directory index', async () => {
      const r = await fetchBytes(vf, `ipfs://${root}/blog/`)
      t.check(r.status === 200 && r.body.equals(want['site/blog/index.html']), 'ipfs://<root>/blog/ serves blog/index.html',
        `status ${r.status}, body ${r.body.toString().slice(0, 200)}`)
      t.check(r.type.startsWith('text/html'), 'the index is text/html', r.type)
    })
    await t.step('the site root index', async () => {
      const r = await fetchBytes(vf, `ipfs://${root}/`)
      t.check(r.status === 200 && r.body.equals(want['site/index.html']), 'ipfs://<root>/ serves index.html',
        `status ${r.status}, body ${r.body.toString().slice(0, 200)}`)
    })
    await t.step('a missing path', async () => {
      const r = await fetchBytes(vf, `ipfs://${root}/no/such/file`)
      t.check(r.status === 404, 'a missing path is 404', `status ${r.status}`)
    })
  } finally {
    await helia.stop()
  }

  // The same client through a proxy that corrupts one block: it must refuse the bytes.
  await t.step('tampered blocks are refused', async () => {
    const victim = cids.get('site/hello.txt').toString()
    const proxy = await tamperingProxy(node.gateway, new Set([victim]))
    const { helia: h2, fetch: vf2 } = await makeFetch(proxy.url)
    try {
      let outcome
      try {
        const r = await fetchBytes(vf2, `ipfs://${root}/hello.txt`, 15_000)
        outcome = r.status === 200 && r.body.equals(site.files['site/hello.txt']) ? 'accepted the original bytes?!'
          : r.status === 200 ? 'accepted corrupted bytes' : `refused (status ${r.status})`
      } catch (err) {
        outcome = `refused (${err?.name ?? 'Error'})`
      }
      t.check(outcome.startsWith('refused'), `verified-fetch refuses a block whose bytes do not match its CID: ${outcome}`, outcome)
      const good = await fetchBytes(vf2, `ipfs://${root}/docs/deep/nested/note.md`, 30_000)
      t.check(good.status === 200 && good.body.equals(site.files['site/docs/deep/nested/note.md']),
        'the same proxy passes untouched blocks through', `status ${good.status}`)
    } finally {
      await h2.stop()
      await proxy.close()
    }
  })
}

process.exit(await runAgainstNode('verified_fetch_test.mjs', t, runChecks))
