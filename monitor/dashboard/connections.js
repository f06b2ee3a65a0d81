// Connections: open and recently closed, sortable, filterable, with each
// connection's details and subscriptions a click (or Enter) away.

import { el, int, bytes, rate, dur, getJSON } from './format.js';
import { matches } from './subject.js';

const since = (t, now) => (now - Date.parse(t)) / 1000;
const num = (x) => x || 0;

// Columns: key, header, sort value, cell text, the states showing it.
const columns = [
  { key: 'cid', label: 'CID', val: (c) => c.cid, text: (c) => String(c.cid) },
  { key: 'name', label: 'Name', val: (c) => c.name || '', text: (c) => c.name || '' },
  { key: 'account', label: 'Account', val: (c) => acct(c), text: (c) => acct(c) },
  { key: 'user', label: 'User', val: (c) => c.authorized_user || '', text: (c) => c.authorized_user || '' },
  { key: 'addr', label: 'Address', val: (c) => `${c.ip}:${String(c.port).padStart(5, '0')}`, text: (c) => `${c.ip}:${c.port}` },
  { key: 'uptime', label: 'Uptime', val: (c, now) => since(c.start, end(c, now)), text: (c, now) => dur(since(c.start, end(c, now))) },
  { key: 'stopped', label: 'Closed', val: (c) => (c.stop ? Date.parse(c.stop) : 0), text: (c, now) => (c.stop ? dur(since(c.stop, now)) + ' ago' : ''), states: ['closed'] },
  { key: 'reason', label: 'Reason', val: (c) => c.reason || '', text: (c) => c.reason || '', states: ['closed'] },
  { key: 'subs', label: 'Subs', val: (c) => num(c.subscriptions), text: (c) => int(c.subscriptions), numeric: true },
  { key: 'pending', label: 'Pending', val: (c) => num(c.pending_bytes), text: (c) => bytes(c.pending_bytes), numeric: true, states: ['open'] },
  { key: 'in_rate', label: 'Msgs in/s', val: (c) => num(c.rates && c.rates.in_msgs), text: (c) => rate(c.rates && c.rates.in_msgs), numeric: true, states: ['open'] },
  { key: 'out_rate', label: 'Msgs out/s', val: (c) => num(c.rates && c.rates.out_msgs), text: (c) => rate(c.rates && c.rates.out_msgs), numeric: true, states: ['open'] },
  { key: 'in_brate', label: 'Bytes in/s', val: (c) => num(c.rates && c.rates.in_bytes), text: (c) => bytes(c.rates && c.rates.in_bytes), numeric: true, states: ['open'] },
  { key: 'out_brate', label: 'Bytes out/s', val: (c) => num(c.rates && c.rates.out_bytes), text: (c) => bytes(c.rates && c.rates.out_bytes), numeric: true, states: ['open'] },
  { key: 'in_msgs', label: 'Msgs in', val: (c) => num(c.in_msgs), text: (c) => int(c.in_msgs), numeric: true },
  { key: 'out_msgs', label: 'Msgs out', val: (c) => num(c.out_msgs), text: (c) => int(c.out_msgs), numeric: true },
  { key: 'rtt', label: 'RTT', val: (c) => rttMicros(c.rtt), text: (c) => c.rtt || '', numeric: true },
  { key: 'client', label: 'Client', val: (c) => `${c.lang || ''} ${c.version || ''}`, text: (c) => [c.lang, c.version].filter(Boolean).join(' ') },
];

function acct(c) { return c.account || c.name_tag || ''; }
function end(c, now) { return c.stop ? Date.parse(c.stop) : now; }

// "1.234ms" -> microseconds, for sorting RTTs written as Go durations.
function rttMicros(s) {
  if (!s) return -1;
  let total = 0;
  for (const [, n, u] of s.matchAll(/([\d.]+)(ns|µs|us|ms|s|m|h)/g)) {
    total += parseFloat(n) * { ns: 1e-3, µs: 1, us: 1, ms: 1e3, s: 1e6, m: 6e7, h: 3.6e9 }[u];
  }
  return total;
}

const filters = [
  ['name', 'Name', (c, q) => (c.name || '').toLowerCase().includes(q)],
  ['account', 'Account', (c, q) => acct(c).toLowerCase().includes(q)],
  ['user', 'User', (c, q) => (c.authorized_user || '').toLowerCase().includes(q)],
  // A subject filter keeps connections with a subscription that contains
  // the text or would receive a message published to it.
  ['subject', 'Subject', (c, q, raw) => (c.subscriptions_list || []).some((s) => s.toLowerCase().includes(q) || matches(s, raw))],
];

const MAX_ROWS = 500;

const panel = {
  id: 'connections',
  title: 'Connections',
  needsConns: true,
  state: 'open',
  sort: { key: 'cid', dir: 1 },
  query: {},
  prev: new Map(), // cid -> counters at the last event, for rates
  data: null,
  selected: null,

  init(section) {
    const states = el('fieldset', { class: 'seg' }, el('legend', { class: 'visually-hidden' }, 'Show'));
    for (const s of ['open', 'closed']) {
      const id = 'conn-state-' + s;
      const input = el('input', { type: 'radio', name: 'conn-state', id, value: s, checked: s === this.state,
        onchange: () => { this.state = s; this.render(); } });
      const label = el('label', { for: id }, s === 'open' ? 'Open ' : 'Closed ', el('span', { id: id + '-n', class: 'badge' }, '0'));
      states.append(input, label);
    }
    const form = el('form', { class: 'filters', role: 'search', onsubmit: (e) => e.preventDefault() });
    for (const [key, label] of filters) {
      const id = 'conn-filter-' + key;
      form.append(el('label', { for: id }, label,
        el('input', { type: 'search', id, autocomplete: 'off', spellcheck: 'false',
          placeholder: key === 'subject' ? 'orders.eu.new' : '',
          oninput: (e) => { this.query[key] = e.target.value.trim(); this.render(); } })));
    }
    this.count = el('p', { id: 'conn-count', class: 'muted', 'aria-live': 'polite' });
    this.table = el('table', { id: 'conn-table', class: 'grid' });
    this.table.append(el('caption', { class: 'visually-hidden' }, 'Connections. Sort with the column buttons; arrow keys move between rows, Enter shows details.'));
    this.thead = el('thead');
    this.tbody = el('tbody');
    this.table.append(this.thead, this.tbody);
    this.tbody.addEventListener('keydown', (e) => this.key(e));
    this.tbody.addEventListener('click', (e) => {
      const tr = e.target.closest('tr[data-cid]');
      if (tr) this.open(Number(tr.dataset.cid), tr);
    });
    this.details = el('section', { id: 'conn-details', class: 'details', hidden: true, 'aria-label': 'Connection details' });
    section.append(
      el('h2', { class: 'visually-hidden' }, 'Connections'),
      el('div', { class: 'toolbar' }, states, form),
      this.count,
      el('div', { class: 'scroll' }, this.table),
      this.details,
    );
    this.header();
  },

  visible() {
    return columns.filter((c) => !c.states || c.states.includes(this.state));
  },

  header() {
    const key = `${this.state} ${this.sort.key} ${this.sort.dir}`;
    if (key === this.headerKey) return; // keep the focused sort button
    this.headerKey = key;
    const tr = el('tr');
    for (const c of this.visible()) {
      const sorted = this.sort.key === c.key;
      const th = el('th', { scope: 'col', 'data-col': c.key, class: c.numeric ? 'num' : '',
        'aria-sort': sorted ? (this.sort.dir > 0 ? 'ascending' : 'descending') : null });
      th.append(el('button', { type: 'button', onclick: () => this.sortBy(c.key) }, c.label,
        el('span', { class: 'arrow', 'aria-hidden': 'true' }, sorted ? (this.sort.dir > 0 ? '▲' : '▼') : '')));
      tr.append(th);
    }
    this.thead.replaceChildren(tr);
  },

  sortBy(key) {
    if (this.sort.key === key) this.sort.dir = -this.sort.dir;
    else this.sort = { key, dir: columns.find((c) => c.key === key).numeric ? -1 : 1 };
    const had = this.thead.contains(document.activeElement);
    this.render();
    if (had) this.thead.querySelector(`th[data-col="${key}"] button`).focus();
  },

  conns(ev) {
    const now = Date.parse(ev.open.now);
    const next = new Map();
    for (const c of ev.open.connections || []) {
      const p = this.prev.get(c.cid);
      if (p && now > p.t) {
        const dt = (now - p.t) / 1000;
        c.rates = { in_msgs: (c.in_msgs - p.in_msgs) / dt, out_msgs: (c.out_msgs - p.out_msgs) / dt,
          in_bytes: (c.in_bytes - p.in_bytes) / dt, out_bytes: (c.out_bytes - p.out_bytes) / dt };
      } else if (p) {
        c.rates = p.rates;
      }
      next.set(c.cid, { t: now, in_msgs: c.in_msgs, out_msgs: c.out_msgs, in_bytes: c.in_bytes, out_bytes: c.out_bytes, rates: c.rates });
    }
    this.prev = next;
    this.data = ev;
    if (!this.section.hidden) this.render();
    if (this.selected != null && !this.details.hidden) this.refreshDetails();
  },

  rows() {
    if (!this.data) return { all: [], shown: [], total: 0 };
    const z = this.state === 'open' ? this.data.open : this.data.closed;
    let list = z.connections || [];
    for (const [key, , f] of filters) {
      const raw = this.query[key];
      if (raw) list = list.filter((c) => f(c, raw.toLowerCase(), raw));
    }
    const col = columns.find((c) => c.key === this.sort.key) || columns[0];
    const now = Date.parse(z.now);
    const dir = this.sort.dir;
    list = list.map((c) => [col.val(c, now), c]);
    list.sort((a, b) => (a[0] < b[0] ? -dir : a[0] > b[0] ? dir : a[1].cid - b[1].cid));
    list = list.map((x) => x[1]);
    return { shown: list.slice(0, MAX_ROWS), matched: list.length, total: z.total, listed: (z.connections || []).length, now };
  },

  render() {
    if (!this.data) return;
    document.getElementById('conn-state-open-n').textContent = int(this.data.open.total);
    document.getElementById('conn-state-closed-n').textContent = int(this.data.closed.total);
    const focused = document.activeElement && document.activeElement.closest && document.activeElement.closest('#conn-table tbody tr');
    const focusCid = focused ? Number(focused.dataset.cid) : null;
    this.header();
    const cols = this.visible();
    const { shown, matched, total, listed, now } = this.rows();
    const rows = shown.map((c) => {
      const tr = el('tr', { 'data-cid': c.cid, tabindex: '-1', 'aria-current': c.cid === this.selected ? 'true' : null });
      for (const col of cols) {
        tr.append(el(col.key === 'cid' ? 'th' : 'td', { 'data-col': col.key, class: col.numeric ? 'num' : '', scope: col.key === 'cid' ? 'row' : null }, col.text(c, now)));
      }
      return tr;
    });
    if (!rows.length) {
      rows.push(el('tr', { class: 'empty' }, el('td', { colspan: cols.length }, this.state === 'open' ? 'No open connections match.' : 'No closed connections match.')));
    }
    this.tbody.replaceChildren(...rows);
    const target = (focusCid != null && this.tbody.querySelector(`tr[data-cid="${focusCid}"]`)) || this.tbody.querySelector('tr[data-cid]');
    if (target) target.tabIndex = 0;
    if (focusCid != null && target && Number(target.dataset.cid) === focusCid) target.focus({ preventScroll: true });
    let msg = `${int(matched)} ${this.state} connection${matched === 1 ? '' : 's'}`;
    if (matched > shown.length) msg += `, first ${int(shown.length)} shown`;
    if (total > listed) msg += ` (the dashboard lists ${int(listed)} of ${int(total)}: see /connz for all)`;
    this.count.textContent = msg;
  },

  key(e) {
    const tr = e.target.closest('tr[data-cid]');
    if (!tr) return;
    const all = [...this.tbody.querySelectorAll('tr[data-cid]')];
    let i = all.indexOf(tr);
    if (e.key === 'ArrowDown') i = Math.min(all.length - 1, i + 1);
    else if (e.key === 'ArrowUp') i = Math.max(0, i - 1);
    else if (e.key === 'Home') i = 0;
    else if (e.key === 'End') i = all.length - 1;
    else if (e.key === 'PageDown') i = Math.min(all.length - 1, i + 10);
    else if (e.key === 'PageUp') i = Math.max(0, i - 10);
    else if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); this.open(Number(tr.dataset.cid), tr); return; }
    else return;
    e.preventDefault();
    tr.tabIndex = -1;
    all[i].tabIndex = 0;
    all[i].focus();
  },

  open(cid, tr) {
    this.selected = cid;
    for (const r of this.tbody.querySelectorAll('tr[aria-current]')) r.removeAttribute('aria-current');
    if (tr) tr.setAttribute('aria-current', 'true');
    this.details.hidden = false;
    this.refreshDetails();
  },

  async refreshDetails() {
    const cid = this.selected;
    let c;
    try {
      const z = await getJSON(`connz?cid=${cid}&state=any&subs=detail&auth=1`);
      c = (z.connections || [])[0];
    } catch (err) {
      this.details.replaceChildren(el('p', { class: 'error' }, String(err)));
      return;
    }
    if (cid !== this.selected) return;
    if (!c) {
      this.details.replaceChildren(el('p', {}, `Connection ${cid} is gone from the server's records.`));
      return;
    }
    const fields = [
      ['CID', c.cid], ['Name', c.name], ['Account', acct(c)], ['User', c.authorized_user],
      ['Address', `${c.ip}:${c.port}`], ['Client', [c.lang, c.version].filter(Boolean).join(' ')],
      ['Started', new Date(c.start).toLocaleString()], ['Uptime', c.uptime], ['Idle', c.idle],
      ['Last activity', new Date(c.last_activity).toLocaleString()], ['RTT', c.rtt],
      ['Pending', bytes(c.pending_bytes)], ['Msgs in', int(c.in_msgs)], ['Msgs out', int(c.out_msgs)],
      ['Bytes in', bytes(c.in_bytes)], ['Bytes out', bytes(c.out_bytes)],
      ['TLS', c.tls_version ? `${c.tls_version} ${c.tls_cipher_suite || ''}` : ''],
      ['Closed', c.stop ? new Date(c.stop).toLocaleString() : ''], ['Reason', c.reason],
    ].filter(([, v]) => v !== undefined && v !== '');
    const dl = el('dl', { class: 'kv' }, fields.map(([k, v]) => el('div', {}, el('dt', {}, k), el('dd', {}, String(v)))));
    const subs = c.subscriptions_list_detail || [];
    const st = el('table', { class: 'grid', id: 'conn-subs' },
      el('caption', {}, `Subscriptions (${subs.length})`),
      el('thead', {}, el('tr', {}, ['Subject', 'Queue group', '#SID', '#Msgs', '#Max'].map((h) => el('th', { scope: 'col', class: h[0] === '#' ? 'num' : '' }, h.replace(/^#/, ''))))),
      el('tbody', {}, subs.map((s) => el('tr', {}, el('td', { class: 'mono' }, s.subject), el('td', {}, s.qgroup || ''),
        el('td', { class: 'num' }, s.sid), el('td', { class: 'num' }, int(s.msgs)), el('td', { class: 'num' }, s.max ? int(s.max) : '')))));
    const close = el('button', { type: 'button', class: 'close', onclick: () => this.closeDetails() }, 'Close');
    this.details.replaceChildren(
      el('div', { class: 'details-head' }, el('h3', {}, `Connection ${c.cid}${c.name ? ' · ' + c.name : ''}`,
        el('span', { class: 'badge ' + (c.stop ? 'closed' : 'open') }, c.stop ? 'closed' : 'open')), close),
      dl, el('div', { class: 'scroll' }, st));
  },

  closeDetails() {
    const cid = this.selected;
    this.selected = null;
    this.details.hidden = true;
    const tr = this.tbody.querySelector(`tr[data-cid="${cid}"]`);
    if (tr) { tr.removeAttribute('aria-current'); tr.focus(); }
  },

  show() { this.render(); },
};

export default panel;
