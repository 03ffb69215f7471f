// The dashboard in a real browser (Debian's Chromium through playwright-core) against a running
// node started by run.sh: the page and its assets are served as they are in net/dashboard, it
// loads nothing from elsewhere, the numbers it shows are the API's, a crashed actor's restart
// shows up, the error banner appears when the node stops, and a --chain off node degrades
// cleanly. Prints "N passed, N failed"; the exit status is 0 only when nothing failed.
import { copyFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const { values: opt } = parseArgs({
  options: {
    url: { type: 'string' },
    'chain-off-url': { type: 'string' },
    'node-pid': { type: 'string' },
    ordered: { type: 'string' },
    peer: { type: 'string' },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
    assets: { type: 'string' },
    screenshot: { type: 'string' },
    'screenshot-copy': { type: 'string' },
    'screenshot-off': { type: 'string' },
    'screenshot-off-copy': { type: 'string' },
    'screenshot-down': { type: 'string' },
  },
});

let passed = 0;
let failed = 0;
function check(cond, what, detail) {
  if (cond) {
    passed += 1;
    console.log(`ok   ${what}`);
  } else {
    failed += 1;
    console.log(`FAIL ${what}${detail === undefined ? '' : `: ${detail}`}`);
  }
}

const origin = new URL(opt.url).origin;
const api = `${origin}/api/v0/`;
async function rpc(base, cmd, args) {
  const q = new URLSearchParams(args || {}).toString();
  const res = await fetch(`${base}${cmd}${q ? `?${q}` : ''}`, { method: 'POST' });
  const body = await res.json();
  if (!res.ok) throw new Error(`${cmd}: ${res.status} ${body.Message}`);
  return body;
}

// The same rule as the page (IEC, one decimal), written again here so a change on either side shows.
function bytesText(n) {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}
const intText = (n) => n.toLocaleString('en-US');

async function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

async function waitFor(what, fn, timeoutMs = 30000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

// ---- 1. the assets as HTTP serves them ----------------------------------------------------
const types = { html: 'text/html; charset=utf-8', css: 'text/css; charset=utf-8', js: 'text/javascript; charset=utf-8' };
const assetFiles = readdirSync(opt.assets).filter((f) => /\.(html|css|js)$/.test(f));
check(assetFiles.length >= 3, 'net/dashboard has the page, its CSS and its JS', assetFiles.join(', '));
for (const f of assetFiles) {
  const path = f === 'index.html' ? '/dashboard' : `/dashboard/${f}`;
  const res = await fetch(origin + path);
  const body = Buffer.from(await res.arrayBuffer());
  const onDisk = readFileSync(join(opt.assets, f));
  check(res.status === 200 && body.equals(onDisk), `GET ${path} serves net/dashboard/${f} byte for byte`,
    `status ${res.status}, ${body.length} bytes served, ${onDisk.length} on disk`);
  check(res.headers.get('content-type') === types[f.split('.').pop()], `${path} has Content-Type ${types[f.split('.').pop()]}`,
    res.headers.get('content-type'));
  const csp = res.headers.get('content-security-policy') || '';
  check(/default-src 'none'/.test(csp) && /script-src 'self'/.test(csp) && /connect-src 'self'/.test(csp),
    `${path} has a CSP that allows only this origin`, csp);
  check(res.headers.get('cache-control') === 'no-cache' && !!res.headers.get('etag'), `${path} is revalidated by ETag`,
    `${res.headers.get('cache-control')} / ${res.headers.get('etag')}`);
  const again = await fetch(origin + path, { headers: { 'If-None-Match': res.headers.get('etag') } });
  check(again.status === 304, `${path} answers 304 to its own ETag`, again.status);
}
{
  const post = await fetch(`${origin}/dashboard`, { method: 'POST' });
  check(post.status === 405, 'POST /dashboard is 405', post.status);
  const missing = await fetch(`${origin}/dashboard/nope.js`);
  check(missing.status === 404, 'an unknown asset is 404', missing.status);
}

// ---- 2. the page in Chromium ----------------------------------------------------------------
const args = [];
if (typeof process.getuid === 'function' && process.getuid() === 0) args.push('--no-sandbox');
const browser = await chromium.launch({ executablePath: opt.chromium, headless: true, args });
let exitCode = 1;
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems = [];
  const foreign = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.protocol !== 'data:' && u.origin !== origin) foreign.push(r.url());
  });

  await page.goto(opt.url);
  const polls = () => page.evaluate(() => Number(document.body.dataset.polls || 0));
  // Waits for a poll that began after this call: the one in flight may have started before.
  async function freshPoll() {
    const n = await polls();
    await page.waitForFunction((k) => Number(document.body.dataset.polls || 0) >= k, n + 2, { timeout: 20000 });
  }
  await page.waitForFunction(() => Number(document.body.dataset.polls || 0) >= 1, null, { timeout: 30000 });
  check(true, 'the page loaded and completed a poll');

  const text = (sel) => page.locator(sel).first().innerText();
  const value = (sel) => page.locator(sel).first().getAttribute('data-value');

  // Reserved labels are generated after start: wait until the prover has them, then until
  // the page has polled since, so both sides see the same state.
  await waitFor('reserved labels', async () => {
    const p = await rpc(api, 'mantle/prover/status');
    return p.reserved && !p.reserved.generating && p.reserved.bytes > 0;
  });
  await freshPoll();

  const id = await rpc(api, 'id');
  check((await text('#peer-id')) === id.ID, 'the header shows the peer id', await text('#peer-id'));
  check((await text('#id-peer')) === id.ID, 'the node section shows the peer id');
  const addrs = await page.locator('#id-addrs li').allInnerTexts();
  check(JSON.stringify(addrs) === JSON.stringify(id.Addresses), 'the listen addresses are the API\'s', addrs.join(' '));
  const version = await rpc(api, 'version');
  check((await text('#id-version')).startsWith(version.Version), 'the version is shown', await text('#id-version'));

  const repo = await rpc(api, 'repo/stat');
  check(Number(await value('#repo-size')) === repo.RepoSize, 'storage used is repo/stat RepoSize',
    `${await value('#repo-size')} vs ${repo.RepoSize}`);
  check((await text('#repo-size')) === bytesText(repo.RepoSize), 'storage used is written with its unit',
    `${await text('#repo-size')} vs ${bytesText(repo.RepoSize)}`);
  check(Number(await value('#st-objects')) === repo.NumObjects, 'the block count is repo/stat NumObjects');

  const prover = await rpc(api, 'mantle/prover/status');
  check(Number(await value('#reserved-bytes')) === prover.reserved.bytes && prover.reserved.bytes === 2 * 1024 * 1024,
    'reserved space is the prover\'s (2 MiB)', `${await value('#reserved-bytes')} vs ${prover.reserved.bytes}`);
  check((await text('#reserved-bytes')) === '2.0 MiB', 'reserved space is written with its unit', await text('#reserved-bytes'));

  const rec = Object.keys((await rpc(api, 'pin/ls', { type: 'recursive' })).Keys);
  const dir = Object.keys((await rpc(api, 'pin/ls', { type: 'direct' })).Keys);
  check(rec.length === 2 && dir.length === 1, 'the node has the test\'s pins', `${rec.length} recursive, ${dir.length} direct`);
  check(Number(await value('#pins-count')) === rec.length + dir.length && (await text('#pins-count')) === intText(rec.length + dir.length),
    'the pin count is pin/ls recursive + direct', await text('#pins-count'));
  const pinRows = await page.locator('#pins-table tbody tr').allInnerTexts();
  check([...rec, ...dir].every((c) => pinRows.some((r) => r.includes(c))) && pinRows.length === rec.length + dir.length,
    'the pin list has every pinned CID', pinRows.join(' | '));

  // Chain height moves (1 s blocks): the page's must lie between a reading taken before its
  // last poll started and one taken after reading the page.
  const before = (await rpc(api, 'mantle/chain/head')).height;
  await freshPoll();
  const shown = Number(await value('#chain-height'));
  const after = (await rpc(api, 'mantle/chain/head')).height;
  check(shown >= before && shown <= after, 'the chain height is the API\'s (read between two API readings)',
    `${before} <= ${shown} <= ${after}`);
  check((await text('#chain-height')) === intText(shown), 'the chain height is written with separators', await text('#chain-height'));

  const vals = await rpc(api, 'mantle/chain/validators');
  check(Number(await value('#validators-count')) === vals.validators.length && vals.validators.length >= 1,
    'the validator count is mantle/chain/validators', `${await value('#validators-count')} vs ${vals.validators.length}`);
  const valRows = await page.locator('#validators-table tbody tr').count();
  check(valRows === vals.candidates.length, 'one validator row per candidate', `${valRows} rows`);

  const orders = await rpc(api, 'mantle/order/list');
  check(Number(await value('#orders-count')) === orders.Orders.length && orders.Orders.length === 1,
    'the order count is mantle/order/list', `${await value('#orders-count')} vs ${orders.Orders.length}`);
  const orderRows = await page.locator('#orders-table tbody tr').allInnerTexts();
  check(orderRows.length === 1 && orderRows[0].includes(opt.ordered), 'the ordered CID is in the orders table', orderRows.join(' | '));

  const peers = await rpc(api, 'swarm/peers');
  check(Number(await value('#peers-count')) === peers.Peers.length && peers.Peers.length === 1,
    'the peer count is swarm/peers (the other node)', await text('#peers-count'));
  const peerRows = await page.locator('#peers-table tbody tr').allInnerTexts();
  check(peerRows.length === 1 && peerRows[0].includes(opt.peer) && peerRows[0].includes(peers.Peers[0].Addr),
    'the peers table shows the other node and its address', peerRows.join(' | '));

  // Credit: the block exchange with the other node, as the ledger counts it.
  const credit = (await rpc(api, 'mantle/credit/ls')).Peers.find((p) => p.Peer === opt.peer);
  check(!!credit && credit.Recv >= 100000, 'the ledger counts the bytes received from the other node', JSON.stringify(credit));
  const creditRow = page.locator('#credit-table tbody tr').filter({ has: page.locator(`td[title="${opt.peer}"]`) });
  check((await creditRow.count()) === 1, 'the credit table has a row for the other node');
  if (credit && (await creditRow.count()) === 1) {
    const cells = creditRow.first().locator('td');
    check(Number(await cells.nth(1).getAttribute('data-value')) === credit.Sent &&
      Number(await cells.nth(2).getAttribute('data-value')) === credit.Recv,
      'its sent and received bytes are the ledger\'s', `${await creditRow.first().innerText()} vs ${credit.Sent}/${credit.Recv}`);
    check((await cells.nth(2).innerText()) === bytesText(credit.Recv), 'received bytes are written with their unit',
      await cells.nth(2).innerText());
  }

  // A crashed actor: the supervisor restarts it, the page's restart count goes up by one.
  const actors = await rpc(api, 'mantle/node/actors');
  check(Number(await value('#restarts-total')) === actors.restarts, 'the restart count is mantle/node/actors',
    `${await value('#restarts-total')} vs ${actors.restarts}`);
  const actorRows = await page.locator('#actors-table tbody tr').count();
  check(actorRows === actors.actors.length && actors.actors.length >= 5, 'one row per supervised actor', `${actorRows} rows`);
  await rpc(api, 'mantle/diag/fault', { arg: 'gateway' });
  const target = actors.restarts + 1;
  try {
    await page.waitForFunction((t) => Number(document.getElementById('restarts-total').dataset.value) === t, target, { timeout: 20000 });
    check(true, `after a fault in 'gateway' the page shows ${target} restart(s)`);
  } catch (e) {
    check(false, `after a fault in 'gateway' the page shows ${target} restart(s)`, await text('#restarts-total'));
  }
  const after2 = await rpc(api, 'mantle/node/actors');
  check(after2.restarts === target, 'the API counts the same restart', after2.restarts);
  const gw = await page.locator('#actors-table tbody tr', { hasText: 'gateway' }).first().innerText();
  check(/gateway\s+running\s+1\b/.test(gw), 'the gateway row shows it running again with 1 restart', gw);

  const updated = await text('#updated');
  check(/^\d\d:\d\d:\d\d$/.test(updated), 'the last update time is shown', updated);
  check((await page.locator('#banner').isHidden()), 'no error banner while the node answers');
  check(foreign.length === 0, 'the page requested nothing from another origin', foreign.join(' '));
  check(problems.length === 0, 'no script or console errors', problems.join(' | '));

  await page.screenshot({ path: opt.screenshot, fullPage: true });
  if (opt['screenshot-copy']) copyFileSync(opt.screenshot, opt['screenshot-copy']);
  console.log(`screenshot: ${opt.screenshot}${opt['screenshot-copy'] ? ` and ${opt['screenshot-copy']}` : ''}`);

  // ---- 3. a node with the chain off ---------------------------------------------------------
  const off = await context.newPage();
  const offProblems = [];
  off.on('pageerror', (e) => offProblems.push(e.message));
  await off.goto(opt['chain-off-url']);
  await off.waitForFunction(() => Number(document.body.dataset.polls || 0) >= 1, null, { timeout: 30000 });
  const offText = (sel) => off.locator(sel).first().innerText();
  check(await off.locator('#banner').isHidden(), 'chain off: no error banner');
  check((await offText('#chain-sub')) === 'chain off on this node', 'chain off: the chain card says so', await offText('#chain-sub'));
  check((await offText('#chain-note')).includes('--chain off'), 'chain off: the chain section says so', await offText('#chain-note'));
  check((await offText('#orders-note')).includes('chain is off'), 'chain off: the orders section says so', await offText('#orders-note'));
  check((await offText('#reserved-sub')) === 'chain off on this node', 'chain off: reserved space says so', await offText('#reserved-sub'));
  const offOrigin = new URL(opt['chain-off-url']).origin;
  const offPins = Object.keys((await rpc(`${offOrigin}/api/v0/`, 'pin/ls', { type: 'recursive' })).Keys).length;
  check(Number(await off.locator('#pins-count').getAttribute('data-value')) === offPins && offPins === 1,
    'chain off: pins are still shown', await offText('#pins-count'));
  check((await off.locator('.note.error:not([hidden])').count()) === 0, 'chain off: no section shows an error');
  check(offProblems.length === 0, 'chain off: no script errors', offProblems.join(' | '));
  await off.screenshot({ path: opt['screenshot-off'], fullPage: true });
  if (opt['screenshot-off-copy']) copyFileSync(opt['screenshot-off'], opt['screenshot-off-copy']);

  // ---- 4. the node stops answering ----------------------------------------------------------
  process.kill(Number(opt['node-pid']), 'SIGTERM');
  try {
    await page.waitForSelector('#banner:not([hidden])', { timeout: 20000 });
    check(true, 'the error banner appears when the node stops');
  } catch (e) {
    check(false, 'the error banner appears when the node stops');
  }
  check((await text('#live')) === 'not answering', 'the status pill says the node is not answering', await text('#live'));
  check((await text('#banner-text')).includes('figures below are from'),
    'the banner says how old the figures are', await text('#banner-text'));
  if (opt['screenshot-down']) await page.screenshot({ path: opt['screenshot-down'] });
  exitCode = failed === 0 ? 0 : 1;
} catch (e) {
  check(false, 'the browser test ran to its end', e && e.stack ? e.stack : e);
} finally {
  await browser.close();
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? exitCode : 1);
