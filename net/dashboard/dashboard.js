// Mantle node dashboard: polls this node's RPC API (same origin, POST as Kubo requires) and
// fills the page. No framework and nothing loaded from elsewhere (the page's CSP forbids it).
// Every value shown comes from one RPC answer; docs/dashboard.md lists which.
'use strict';

(() => {
  const API = '/api/v0/';
  const POLL_MS = 2000;
  const TIMEOUT_MS = 8000;
  const MAX_ROWS = 200; // longer lists show their first rows and say how many are left out
  const ORDER_PAGE = 100;
  // A node with this many pins gets its pin lists asked every PIN_SLOW_EVERY polls only: the
  // answer grows with the count, and the count changes slowly on such a node.
  const PIN_SLOW_COUNT = 2000;
  const PIN_SLOW_EVERY = 5;

  // ---- formatting -------------------------------------------------------------------------
  const intFmt = new Intl.NumberFormat('en-US');
  const tokenFmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 3 });

  function fmtInt(n) {
    return n === null || n === undefined ? '–' : intFmt.format(n);
  }

  // IEC units, as the CLI and the options (--storage-max 1TiB) write them.
  function fmtBytes(n) {
    if (n === null || n === undefined || Number.isNaN(Number(n))) return '–';
    n = Number(n);
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

  // Base units (10^9 per token) to tokens. JSON numbers above 2^53 lose their last digits
  // in a browser: fine for display, which rounds to 3 decimals anyway.
  function fmtTokens(base) {
    if (base === null || base === undefined) return '–';
    return tokenFmt.format(Number(base) / 1e9);
  }

  function fmtPpm(ppm) {
    return `${(Number(ppm) / 10000).toLocaleString('en-US', { maximumFractionDigits: 4 })}%`;
  }

  function fmtDuration(ms) {
    const s = Math.round(ms / 1000);
    if (s < 60) return `${s} s`;
    if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
    return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  }

  // "1 file", "2 files".
  function plural(n, one, many) {
    return `${fmtInt(n)} ${Number(n) === 1 ? one : many || `${one}s`}`;
  }

  function fmtClock(d) {
    return d.toLocaleTimeString('en-GB', { hour12: false });
  }

  // "12D3KooW…x7Qs": enough to tell nodes apart; the full text is in the title.
  function short(text, head = 10, tail = 6) {
    if (!text || text.length <= head + tail + 1) return text || '';
    return `${text.slice(0, head)}…${text.slice(-tail)}`;
  }

  // ---- RPC --------------------------------------------------------------------------------
  class RpcError extends Error {
    constructor(message, status, network) {
      super(message);
      this.status = status;
      this.network = network; // no HTTP answer at all (node down, timeout)
    }
  }

  async function rpc(cmd, args) {
    const q = new URLSearchParams(args || {}).toString();
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), TIMEOUT_MS);
    let res;
    try {
      res = await fetch(API + cmd + (q ? `?${q}` : ''), { method: 'POST', cache: 'no-store', signal: ctl.signal });
    } catch (e) {
      throw new RpcError(ctl.signal.aborted ? `No answer within ${TIMEOUT_MS / 1000} s` : 'Connection refused or lost', 0, true);
    } finally {
      clearTimeout(timer);
    }
    const text = await res.text();
    let body = null;
    try {
      body = JSON.parse(text);
    } catch (e) {
      body = null;
    }
    if (!res.ok) {
      const msg = body && body.Message ? body.Message : text.trim() || res.statusText;
      throw new RpcError(msg, res.status, false);
    }
    if (body === null) throw new RpcError(`${cmd}: the answer is not JSON`, res.status, false);
    return body;
  }

  // The chain routes say so when the node runs with --chain off.
  function chainOff(err) {
    return err && /chain is not running|--chain off|chain off/i.test(err.message);
  }

  // ---- DOM helpers ------------------------------------------------------------------------
  const $ = (id) => document.getElementById(id);

  function setText(id, text, value) {
    const el = $(id);
    el.textContent = text;
    if (value !== undefined && value !== null) el.dataset.value = String(value);
    else delete el.dataset.value;
  }

  function note(id, text, isError) {
    const el = $(id);
    if (!text) {
      el.hidden = true;
      el.textContent = '';
      return;
    }
    el.hidden = false;
    el.textContent = text;
    el.classList.toggle('error', !!isError);
  }

  // A cell: a string, or {text, cls, title, mono, num}.
  function cell(c) {
    const td = document.createElement('td');
    const spec = typeof c === 'object' && c !== null ? c : { text: c };
    td.textContent = spec.text === undefined || spec.text === null ? '' : String(spec.text);
    if (spec.title) td.title = spec.title;
    if (spec.cls) td.className = spec.cls;
    if (spec.mono) td.classList.add('mono');
    if (spec.num) td.classList.add('num');
    if (spec.value !== undefined) td.dataset.value = String(spec.value);
    return td;
  }

  function fillTable(tableId, rows, emptyText, total) {
    const body = $(tableId).tBodies[0];
    const out = document.createDocumentFragment();
    const columns = $(tableId).tHead.rows[0].cells.length;
    if (rows.length === 0) {
      const tr = document.createElement('tr');
      const td = cell({ text: emptyText, cls: 'empty' });
      td.colSpan = columns;
      tr.appendChild(td);
      out.appendChild(tr);
    }
    for (const r of rows.slice(0, MAX_ROWS)) {
      const tr = document.createElement('tr');
      for (const c of r) tr.appendChild(cell(c));
      out.appendChild(tr);
    }
    const all = total === undefined ? rows.length : total;
    if (all > Math.min(rows.length, MAX_ROWS)) {
      const tr = document.createElement('tr');
      const td = cell({ text: `… and ${fmtInt(all - Math.min(rows.length, MAX_ROWS))} more`, cls: 'empty' });
      td.colSpan = columns;
      tr.appendChild(td);
      out.appendChild(tr);
    }
    body.replaceChildren(out);
    $(tableId).hidden = false;
  }

  // A section whose source failed or does not exist here shows its note, not an empty table.
  function clearTable(tableId) {
    $(tableId).tBodies[0].replaceChildren();
    $(tableId).hidden = true;
  }

  // ---- sections ---------------------------------------------------------------------------
  function renderIdentity(id, version, repo) {
    if (id.ok) {
      const v = id.value;
      setText('peer-id', v.ID, v.ID);
      setText('id-peer', v.ID, v.ID);
      setText('id-agent', v.AgentVersion || '–');
      const list = $('id-addrs');
      const items = (v.Addresses || []).map((a) => {
        const li = document.createElement('li');
        li.textContent = a;
        return li;
      });
      list.replaceChildren(...items);
      document.title = `Mantle node ${short(v.ID, 8, 4)}`;
    }
    if (version.ok) {
      const v = version.value;
      setText('id-version', `${v.Version}${v.Commit ? ` (${v.Commit})` : ''} · repo ${v.Repo} · ${v.System}`);
    }
    if (repo.ok) setText('id-repo', repo.value.RepoPath);
  }

  function renderPeers(peers, credit) {
    if (peers.ok) {
      const list = peers.value.Peers || [];
      setText('peers-count', fmtInt(list.length), list.length);
      setText('peers-h', `(${fmtInt(list.length)})`);
      note('peers-note', '');
      fillTable('peers-table', list.map((p) => [{ text: p.Peer, mono: true }, { text: p.Addr, mono: true }]),
        'no peer connected');
    } else {
      setText('peers-count', '–');
      note('peers-note', `swarm/peers failed: ${peers.error.message}`, true);
      clearTable('peers-table');
    }
    if (credit.ok) {
      const list = credit.value.Peers || [];
      setText('credit-h', `(${fmtInt(list.length)})`);
      setText('peers-sub', `${plural(list.length, 'peer')} in the credit ledger`);
      note('credit-note', '');
      fillTable('credit-table', list.map((p) => [
        { text: short(p.Peer, 14, 6), title: p.Peer, mono: true },
        { text: fmtBytes(p.Sent), num: true, value: p.Sent },
        { text: fmtBytes(p.Recv), num: true, value: p.Recv },
        { text: typeof p.Ratio === 'number' ? p.Ratio.toFixed(2) : String(p.Ratio), num: true },
        { text: p.Trusted ? 'yes' : p.Cut ? 'cut off' : 'no', cls: p.Trusted ? 'yes' : p.Cut ? 'state-down' : '' },
      ]), 'no exchange with any peer yet');
    } else {
      setText('peers-sub', '');
      note('credit-note', `mantle/credit/ls failed: ${credit.error.message}`, true);
      clearTable('credit-table');
    }
  }

  function renderStorage(repo, prover) {
    if (repo.ok) {
      const r = repo.value;
      setText('repo-size', fmtBytes(r.RepoSize), r.RepoSize);
      $('repo-meter').value = r.StorageMax > 0 ? Math.min(1, r.RepoSize / r.StorageMax) : 0;
      setText('repo-sub', `of ${fmtBytes(r.StorageMax)} · ${plural(r.NumObjects, 'block')}`);
      setText('st-objects', fmtInt(r.NumObjects), r.NumObjects);
      setText('st-size', `${fmtBytes(r.RepoSize)} (${fmtInt(r.RepoSize)} bytes)`, r.RepoSize);
      setText('st-max', fmtBytes(r.StorageMax), r.StorageMax);
    } else {
      setText('repo-size', '–');
      setText('repo-sub', `repo/stat failed: ${repo.error.message}`);
    }
    if (prover.ok) {
      const p = prover.value;
      const res = p.reserved || {};
      setText('reserved-bytes', fmtBytes(res.bytes || 0), res.bytes || 0);
      let sub = `on chain ${fmtBytes(res.on_chain || 0)}`;
      if (res.generating) sub += ' · generating labels';
      else if ((res.configured || 0) !== (res.bytes || 0)) sub += ` · configured ${fmtBytes(res.configured || 0)}`;
      setText('reserved-sub', sub);
      setText('st-reserved', `${fmtBytes(res.bytes || 0)} (configured ${fmtBytes(res.configured || 0)})`, res.bytes || 0);
      setText('st-reserved-chain', fmtBytes(res.on_chain || 0), res.on_chain || 0);
      setText('st-files', `${plural(p.files, 'file')}, ${fmtBytes(p.files_bytes)}`);
      setText('st-report', p.last_report_slot === null || p.last_report_slot === undefined
        ? 'none yet' : `slot ${fmtInt(p.last_report_slot)} (now ${fmtInt(p.slot)})`);
      note('storage-note', p.last_error ? `prover: ${p.last_error}` : '', !!p.last_error);
    } else {
      const off = chainOff(prover.error);
      setText('reserved-bytes', '–');
      setText('reserved-sub', off ? 'chain off on this node' : 'prover not answering');
      for (const id of ['st-reserved', 'st-reserved-chain', 'st-files', 'st-report']) setText(id, '–');
      note('storage-note', off ? 'The chain is off on this node (--chain off): no reserved space, proofs or work reports.'
        : `mantle/prover/status failed: ${prover.error.message}`, !off);
    }
  }

  function renderPins(recursive, direct) {
    if (recursive.ok && direct.ok) {
      const rows = [];
      for (const [c, v] of Object.entries(recursive.value.Keys || {})) rows.push([{ text: c, mono: true }, v.Type]);
      for (const [c, v] of Object.entries(direct.value.Keys || {})) rows.push([{ text: c, mono: true }, v.Type]);
      const nr = Object.keys(recursive.value.Keys || {}).length;
      const nd = rows.length - nr;
      setText('pins-count', fmtInt(rows.length), rows.length);
      setText('pins-sub', `${fmtInt(nr)} recursive · ${fmtInt(nd)} direct`);
      setText('pins-h', `(${fmtInt(rows.length)})`);
      note('pins-note', '');
      fillTable('pins-table', rows, 'nothing pinned');
    } else {
      const err = recursive.ok ? direct.error : recursive.error;
      setText('pins-count', '–');
      setText('pins-sub', '');
      note('pins-note', `pin/ls failed: ${err.message}`, true);
      clearTable('pins-table');
    }
  }

  function renderChain(head, vals) {
    if (head.ok) {
      const h = head.value;
      setText('chain-height', fmtInt(h.height), h.height);
      setText('chain-sub', `era ${fmtInt(h.era)} · ${plural(h.mempool, 'tx')} waiting`);
      setText('ch-id', h.chain_id);
      setText('ch-height', fmtInt(h.height), h.height);
      setText('ch-era', fmtInt(h.era), h.era);
      const c = h.consensus || {};
      setText('ch-consensus', `height ${fmtInt(c.height)}, round ${c.round}, ${c.step}`);
      const age = Date.now() - h.time_ms;
      setText('ch-time', `${new Date(h.time_ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}` +
        ` (${age >= 0 ? `${fmtDuration(age)} ago` : 'in the future: check the clocks'})`);
      setText('ch-mempool', plural(h.mempool, 'transaction'), h.mempool);
      note('chain-note', '');
    } else {
      const off = chainOff(head.error);
      setText('chain-height', '–');
      setText('chain-sub', off ? 'chain off on this node' : 'validator not answering');
      for (const id of ['ch-id', 'ch-height', 'ch-era', 'ch-consensus', 'ch-time', 'ch-mempool']) setText(id, '–');
      note('chain-note', off ? 'The chain is off on this node (--chain off).' : `mantle/chain/head failed: ${head.error.message}`, !off);
    }
    if (vals.ok) {
      const v = vals.value;
      const active = v.validators || [];
      const cands = v.candidates || [];
      setText('validators-count', fmtInt(active.length), active.length);
      setText('validators-sub', `${plural(cands.length, 'candidate')} · power ${fmtTokens(v.total_power)}`);
      setText('validators-h', `(${fmtInt(active.length)} active of ${plural(cands.length, 'candidate')})`);
      note('validators-note', '');
      const power = new Map(active.map((a) => [a.node_key, a.power]));
      const rows = cands.map((c) => [
        { text: short(c.node_key, 12, 6), title: c.node_key, mono: true },
        { text: power.has(c.node_key) ? fmtTokens(power.get(c.node_key)) : '–', num: true },
        { text: fmtTokens(c.own), num: true },
        { text: fmtTokens(c.guaranteed), num: true },
        { text: fmtBytes(c.storage_power), num: true },
        { text: fmtPpm(c.commission_ppm), num: true },
        { text: c.elected ? 'yes' : 'no', cls: c.elected ? 'yes' : '' },
      ]);
      // Active validators that are no candidates (a genesis set) still get a row.
      for (const a of active) {
        if (!cands.some((c) => c.node_key === a.node_key)) {
          rows.push([{ text: short(a.node_key, 12, 6), title: a.node_key, mono: true },
            { text: fmtTokens(a.power), num: true }, '–', '–', '–', '–', { text: 'yes', cls: 'yes' }]);
        }
      }
      fillTable('validators-table', rows, 'no validator');
    } else {
      const off = chainOff(vals.error);
      setText('validators-count', '–');
      setText('validators-sub', off ? 'chain off on this node' : '');
      setText('validators-h', '');
      note('validators-note', off ? 'The chain is off on this node.' : `mantle/chain/validators failed: ${vals.error.message}`, !off);
      clearTable('validators-table');
    }
  }

  function renderOrders(orders) {
    if (orders.ok) {
      const list = orders.value.Orders || [];
      const more = orders.value.Next !== null && orders.value.Next !== undefined;
      const byStatus = {};
      for (const o of list) byStatus[o.status] = (byStatus[o.status] || 0) + 1;
      setText('orders-count', `${fmtInt(list.length)}${more ? '+' : ''}`, more ? undefined : list.length);
      setText('orders-sub', Object.entries(byStatus).map(([k, n]) => `${fmtInt(n)} ${k}`).join(' · ') || 'none on chain');
      setText('orders-h', more ? `(first ${fmtInt(list.length)})` : `(${fmtInt(list.length)})`);
      note('orders-note', '');
      fillTable('orders-table', list.map((o) => [
        { text: o.cid, mono: true },
        { text: o.status, cls: `state-${o.status}` },
        { text: fmtBytes(o.size), num: true, value: o.size },
        { text: `${fmtInt(o.proven_replicas)} of ${fmtInt((o.replicas || []).length)}`, num: true, value: o.proven_replicas },
        { text: (o.replicas || []).map((r) => short(r.peer_id || r.node_key, 8, 4)).join(', ') || '–',
          title: (o.replicas || []).map((r) => r.peer_id || r.node_key).join('\n'), mono: true },
        { text: o.expiry_height === null ? 'not live yet' : fmtInt(o.expiry_height), num: true },
        { text: fmtTokens(o.pool), num: true },
      ]), 'no storage order on chain');
    } else {
      const off = chainOff(orders.error);
      setText('orders-count', '–');
      setText('orders-sub', off ? 'chain off on this node' : '');
      setText('orders-h', '');
      note('orders-note', off ? 'The chain is off on this node: no storage orders.' : `mantle/order/list failed: ${orders.error.message}`, !off);
      clearTable('orders-table');
    }
  }

  function renderActors(actors) {
    if (!actors.ok) {
      setText('restarts-total', '–');
      setText('restarts-sub', '');
      note('actors-note', `mantle/node/actors failed: ${actors.error.message}`, true);
      clearTable('actors-table');
      clearTable('plugins-table');
      return;
    }
    const a = actors.value;
    setText('restarts-total', fmtInt(a.restarts), a.restarts);
    setText('restarts-sub', `${fmtInt(a.restarts_in_window)} of ${fmtInt(a.restart_limit)} allowed in ${fmtDuration(a.restart_window_ms)}`);
    const list = a.actors || [];
    const down = list.filter((c) => c.state !== 'running').length;
    setText('actors-h', `(${fmtInt(list.length)}${down ? `, ${down} down` : ''})`);
    note('actors-note', '');
    fillTable('actors-table', list.map((c) => [
      c.name,
      { text: c.state, cls: `state-${c.state}` },
      { text: fmtInt(c.restarts), num: true, value: c.restarts },
      { text: c.mailbox === null ? '–' : fmtInt(c.mailbox), num: true, title: c.mailbox === null ? 'this actor does not report its mailbox' : '' },
      { text: c.last_exit || '', mono: !!c.last_exit },
    ]), 'no supervised actor');
    const plugins = a.plugins || [];
    setText('plugins-h', `(${fmtInt(plugins.length)})`);
    if (!a.plugin_host) note('plugins-note', 'No plugin host runs in this node.');
    else if (a.plugins_error) note('plugins-note', a.plugins_error, true);
    else note('plugins-note', '');
    if (!a.plugin_host) {
      clearTable('plugins-table');
      return;
    }
    fillTable('plugins-table', plugins.map((p) => [
      p.name,
      p.version,
      { text: p.state, cls: `state-${p.state}` },
      { text: fmtInt(p.restarts), num: true, value: p.restarts },
      { text: p.last_exit || '', mono: !!p.last_exit },
      { text: p.path, mono: true },
    ]), 'no plugin loaded');
  }

  // ---- polling ----------------------------------------------------------------------------
  let lastOk = null;
  let failingSince = null;
  let pollCount = 0;
  let lastPins = null; // {pinsR, pinsD} of the last poll that asked

  function settle(promise) {
    return promise.then((value) => ({ ok: true, value }), (error) => ({ ok: false, error }));
  }

  function showDown(err, title = 'The node is not answering.') {
    if (failingSince === null) failingSince = new Date();
    $('banner-title').textContent = title;
    const live = $('live');
    live.dataset.state = lastOk ? 'stale' : 'connecting';
    live.textContent = lastOk ? 'not answering' : 'connecting';
    document.body.classList.toggle('stale', !!lastOk);
    let text;
    if (err.status === 403) {
      text = 'It refused this page (403 Forbidden): its RPC API takes browser requests only from the origins in ' +
        '--api-cors-origins (by default its own loopback address). Open the dashboard at that address, or add ' +
        `${window.location.origin} to --api-cors-origins.`;
    } else {
      text = `${err.message} (since ${fmtClock(failingSince)}; retrying every ${POLL_MS / 1000} s).`;
      if (lastOk) text += ` The figures below are from ${fmtClock(lastOk)}.`;
    }
    $('banner-text').textContent = text;
    $('banner').hidden = false;
  }

  async function poll() {
    pollCount += 1;
    const pinCount = lastPins && lastPins.pinsR.ok && lastPins.pinsD.ok
      ? Object.keys(lastPins.pinsR.value.Keys || {}).length + Object.keys(lastPins.pinsD.value.Keys || {}).length : 0;
    const askPins = !lastPins || pinCount < PIN_SLOW_COUNT || pollCount % PIN_SLOW_EVERY === 0;
    const calls = {
      id: rpc('id'),
      version: rpc('version'),
      peers: rpc('swarm/peers'),
      credit: rpc('mantle/credit/ls'),
      repo: rpc('repo/stat'),
      prover: rpc('mantle/prover/status'),
      pinsR: askPins ? rpc('pin/ls', { type: 'recursive' }) : Promise.resolve(lastPins.pinsR.value),
      pinsD: askPins ? rpc('pin/ls', { type: 'direct' }) : Promise.resolve(lastPins.pinsD.value),
      head: rpc('mantle/chain/head'),
      vals: rpc('mantle/chain/validators'),
      orders: rpc('mantle/order/list', { limit: ORDER_PAGE }),
      actors: rpc('mantle/node/actors'),
    };
    const keys = Object.keys(calls);
    const settled = await Promise.all(keys.map((k) => settle(calls[k])));
    const r = {};
    keys.forEach((k, i) => { r[k] = settled[i]; });

    // `id` is the node's heartbeat here: without it the rest is not trusted to be current.
    if (!r.id.ok) {
      showDown(r.id.error);
      return;
    }
    if (askPins) lastPins = { pinsR: r.pinsR, pinsD: r.pinsD };
    failingSince = null;
    $('banner').hidden = true;
    document.body.classList.remove('stale');
    renderIdentity(r.id, r.version, r.repo);
    renderPeers(r.peers, r.credit);
    renderStorage(r.repo, r.prover);
    renderPins(r.pinsR, r.pinsD);
    renderChain(r.head, r.vals);
    renderOrders(r.orders);
    renderActors(r.actors);
    lastOk = new Date();
    const live = $('live');
    live.dataset.state = 'live';
    live.textContent = 'live';
    const upd = $('updated');
    upd.textContent = fmtClock(lastOk);
    upd.dateTime = lastOk.toISOString();
    document.body.dataset.polls = String(Number(document.body.dataset.polls || 0) + 1);
  }

  async function loop() {
    try {
      await poll();
    } catch (e) {
      // A bug in rendering must not stop the polling; show it where people look.
      showDown(new RpcError(`${e && e.message ? e.message : e}`, 0, false), 'The dashboard failed to show the answers.');
      console.error(e);
    }
    setTimeout(loop, POLL_MS);
  }

  loop();
})();
