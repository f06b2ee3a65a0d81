// The dashboard's shell: tabs, the live streams, and the list of panels.
// A panel is a module exporting an object with an id, a title and hooks
// (see panels below); adding one is one import and
// one line in that list. accounts.js and jetstream.js share one stream.

import overview from './overview.js';
import connections from './connections.js';
import subjects from './subjects.js';
import cluster from './cluster.js';
import accounts from './accounts.js';
import jetstream from './jetstream.js';
import { el } from './format.js';

/**
 * Panel hooks, all optional except init:
 *   init(section, ctx)   build the panel's DOM once
 *   history(samples)     the charts' last 15 minutes, on (re)connect
 *   tick(ev)             every second: {varz, routez, subsz, sample}
 *   conns(ev)            every second while a panel with needsConns shows:
 *                        {open, closed}, /connz snapshots with subjects
 *   accounts(ev)         every second while a panel with needsAccounts shows:
 *                        {accounts, jsz}, per-account numbers and /jsz?streams=1
 *   show(), hide()       the panel became visible or hidden
 */
const panels = [overview, connections, subjects, cluster, accounts, jetstream];

const ctx = { tick: null, conns: null };
let active = null;
let mainStream = null, connsStream = null, acctsStream = null;

function setLive(ok, text) {
  document.getElementById('live').classList.toggle('ok', ok);
  const t = document.getElementById('live-text');
  if (t.textContent !== text) t.textContent = text; // a live region: only changes
}

function each(hook, arg) {
  for (const p of panels) {
    if (p[hook]) {
      try { p[hook](arg); } catch (e) { console.error(p.id, hook, e); }
    }
  }
}

function openMain() {
  mainStream = new EventSource('dashboard/events');
  mainStream.addEventListener('history', (e) => each('history', JSON.parse(e.data).samples));
  mainStream.addEventListener('tick', (e) => {
    const ev = JSON.parse(e.data);
    ctx.tick = ev;
    setLive(true, 'live');
    const v = ev.varz;
    document.getElementById('server-name').textContent = v.server_name || 'natsd';
    document.getElementById('server-version').textContent = 'natsd ' + v.version;
    document.getElementById('server-id').textContent = v.server_id;
    document.title = `${v.server_name || 'natsd'} · natsd`;
    each('tick', ev);
  });
  mainStream.onerror = () => setLive(false, 'reconnecting…');
}

// The connections stream is open only while a panel that needs it shows,
// so an idle dashboard costs the server one small snapshot a second.
function syncConnsStream() {
  const want = active && active.needsConns;
  if (want && !connsStream) {
    connsStream = new EventSource('dashboard/events?stream=conns');
    connsStream.addEventListener('conns', (e) => {
      ctx.conns = JSON.parse(e.data);
      each('conns', ctx.conns);
    });
  } else if (!want && connsStream) {
    connsStream.close();
    connsStream = null;
  }
  const wantAccts = active && active.needsAccounts;
  if (wantAccts && !acctsStream) {
    acctsStream = new EventSource('dashboard/events?stream=accounts');
    acctsStream.addEventListener('accounts', (e) => each('accounts', JSON.parse(e.data)));
  } else if (!wantAccts && acctsStream) {
    acctsStream.close();
    acctsStream = null;
  }
}

function select(id, focus) {
  const p = panels.find((x) => x.id === id) || panels[0];
  if (active === p) return;
  if (active && active.hide) active.hide();
  for (const q of panels) {
    const on = q === p;
    q.tab.setAttribute('aria-selected', on);
    q.tab.tabIndex = on ? 0 : -1;
    q.section.hidden = !on;
  }
  active = p;
  if (focus) p.tab.focus();
  if (location.hash !== '#' + p.id) history.replaceState(null, '', '#' + p.id);
  syncConnsStream();
  if (p.show) p.show();
}

function build() {
  const list = document.getElementById('tablist');
  const holder = document.getElementById('panels');
  panels.forEach((p, i) => {
    p.tab = el('button', {
      role: 'tab', id: 'tab-' + p.id, 'aria-controls': 'panel-' + p.id,
      'aria-selected': 'false', tabindex: '-1', type: 'button',
      onclick: () => select(p.id),
    }, p.title);
    p.tab.addEventListener('keydown', (e) => {
      let j = null;
      if (e.key === 'ArrowRight') j = (i + 1) % panels.length;
      else if (e.key === 'ArrowLeft') j = (i - 1 + panels.length) % panels.length;
      else if (e.key === 'Home') j = 0;
      else if (e.key === 'End') j = panels.length - 1;
      if (j !== null) { e.preventDefault(); select(panels[j].id, true); }
    });
    list.append(p.tab);
    p.section = el('section', {
      id: 'panel-' + p.id, role: 'tabpanel', 'aria-labelledby': 'tab-' + p.id, hidden: true,
    });
    holder.append(p.section);
    p.init(p.section, ctx);
  });
  window.addEventListener('hashchange', () => select(location.hash.slice(1)));
  select(location.hash.slice(1));
  openMain();
}

build();
