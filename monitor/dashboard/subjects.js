// Subjects: the subscription index's numbers, a "who would receive a
// message on this subject?" search (/subsz?test=, the server's own
// matching), and the list of subscriptions.

import { el, int, getJSON } from './format.js';
import { isLiteral } from './subject.js';

const LIST_LIMIT = 1000;

// Column headers; a leading # marks a numeric (right-aligned) column.
const heads = (names) => names.map((h) => el('th', { scope: 'col', class: h[0] === '#' ? 'num' : '' }, h.replace(/^#/, '')));

const panel = {
  id: 'subjects',
  title: 'Subjects',
  needsConns: true, // for connection names
  names: new Map(),

  init(section) {
    this.stats = el('dl', { class: 'cards small' });
    this.input = el('input', { type: 'search', id: 'subject-test', placeholder: 'orders.eu.new', autocomplete: 'off', spellcheck: 'false', required: true });
    const form = el('form', { class: 'search', role: 'search', onsubmit: (e) => { e.preventDefault(); this.search(); } },
      el('label', { for: 'subject-test' }, 'Who would receive a message published to'),
      el('div', { class: 'row' }, this.input, el('button', { type: 'submit' }, 'Search')));
    this.result = el('div', { id: 'subject-result', 'aria-live': 'polite' });
    this.filter = el('input', { type: 'search', id: 'subject-filter', autocomplete: 'off', spellcheck: 'false',
      oninput: () => this.renderList() });
    this.listInfo = el('p', { class: 'muted', id: 'subject-list-info' });
    this.list = el('tbody');
    section.append(
      el('h2', { class: 'visually-hidden' }, 'Subjects'),
      this.stats, form, this.result,
      el('div', { class: 'list-head' }, el('h3', {}, 'Subscriptions'),
        el('label', { for: 'subject-filter' }, 'Filter ', this.filter),
        el('button', { type: 'button', onclick: () => this.load() }, 'Refresh')),
      this.listInfo,
      el('div', { class: 'scroll' }, el('table', { class: 'grid', id: 'subject-list' },
        el('caption', { class: 'visually-hidden' }, 'Subscriptions'),
        el('thead', {}, el('tr', {}, heads(['Subject', 'Queue group', '#CID', 'Connection', '#SID', '#Msgs']))),
        this.list)),
    );
  },

  tick(ev) {
    const s = ev.subsz;
    const items = [['Subscriptions', int(s.num_subscriptions)], ['Cached subjects', int(s.num_cache)],
      ['Matches', int(s.num_matches)], ['Cache hit rate', (100 * s.cache_hit_rate).toFixed(1) + ' %'],
      ['Max fan-out', int(s.max_fanout)], ['Avg fan-out', s.avg_fanout.toFixed(2)]];
    this.stats.replaceChildren(...items.map(([k, v]) => el('div', { class: 'card' }, el('dt', {}, k), el('dd', {}, v))));
  },

  conns(ev) {
    for (const c of ev.open.connections || []) this.names.set(c.cid, c.name || '');
  },

  name(cid) { return this.names.get(cid) || ''; },

  async search() {
    const subj = this.input.value.trim();
    if (!isLiteral(subj)) {
      this.result.replaceChildren(el('p', { class: 'error' }, `"${subj}" is not a subject one can publish to (no wildcards, no spaces, no empty tokens).`));
      return;
    }
    let z;
    try {
      z = await getJSON(`subsz?subs=1&limit=${LIST_LIMIT}&test=${encodeURIComponent(subj)}`);
    } catch (err) {
      this.result.replaceChildren(el('p', { class: 'error' }, String(err)));
      return;
    }
    const subs = z.subscriptions_list || [];
    // Delivery gives each plain subscription a copy and one member of
    // each queue group one copy.
    const plain = subs.filter((s) => !s.qgroup);
    const groups = new Map();
    for (const s of subs.filter((s) => s.qgroup)) {
      if (!groups.has(s.qgroup)) groups.set(s.qgroup, []);
      groups.get(s.qgroup).push(s);
    }
    const copies = plain.length + groups.size;
    const head = el('p', { id: 'subject-summary' }, subs.length
      ? `A message on ${subj} is delivered ${int(copies)} time${copies === 1 ? '' : 's'}: to ${int(plain.length)} subscription${plain.length === 1 ? '' : 's'}` +
        (groups.size === 1 ? ` and to one member of queue group ${[...groups.keys()][0]}.` : groups.size ? ` and to one member of each of ${groups.size} queue groups.` : '.')
      : `No subscription would receive a message on ${subj}.`);
    const rows = subs.map((s) => el('tr', { 'data-cid': s.cid },
      el('td', { class: 'mono' }, s.subject), el('td', {}, s.qgroup ? `${s.qgroup} (one of ${groups.get(s.qgroup).length})` : ''),
      el('td', { class: 'num' }, String(s.cid)), el('td', {}, this.name(s.cid)), el('td', { class: 'num' }, s.sid)));
    this.result.replaceChildren(head, subs.length ? el('div', { class: 'scroll' }, el('table', { class: 'grid', id: 'subject-matches' },
      el('caption', { class: 'visually-hidden' }, `Subscribers of ${subj}`),
      el('thead', {}, el('tr', {}, heads(['Subscription', 'Queue group', '#CID', 'Connection', '#SID']))),
      el('tbody', {}, rows))) : '');
  },

  async load() {
    try {
      this.z = await getJSON(`subsz?subs=1&limit=${LIST_LIMIT}`);
    } catch (err) {
      this.listInfo.textContent = String(err);
      return;
    }
    this.renderList();
  },

  renderList() {
    if (!this.z) return;
    const q = this.filter.value.trim().toLowerCase();
    const subs = (this.z.subscriptions_list || []).filter((s) => !q || s.subject.toLowerCase().includes(q) || (s.qgroup || '').toLowerCase().includes(q));
    this.list.replaceChildren(...subs.map((s) => el('tr', {},
      el('td', { class: 'mono' }, s.subject), el('td', {}, s.qgroup || ''), el('td', { class: 'num' }, String(s.cid)),
      el('td', {}, this.name(s.cid)), el('td', { class: 'num' }, s.sid), el('td', { class: 'num' }, int(s.msgs)))));
    let info = `${int(subs.length)} shown`;
    if (this.z.total > (this.z.subscriptions_list || []).length) info += ` of the first ${int(LIST_LIMIT)} (${int(this.z.total)} in all: use the search above or /subsz)`;
    this.listInfo.textContent = info + ` · as of ${new Date(this.z.now).toLocaleTimeString()}`;
  },

  show() { this.load(); },
};

export default panel;
