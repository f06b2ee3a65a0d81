// JetStream: the totals and every stream with its messages, bytes,
// first and last sequence and consumers, from /jsz?streams=1 in the
// "accounts" stream. Says so when JetStream is off.

import { el, int, bytes } from './format.js';

const heads = (names) => names.map((h) => el('th', { scope: 'col', class: h[0] === '#' ? 'num' : '' }, h.replace(/^#/, '')));

const panel = {
  id: 'jetstream',
  title: 'JetStream',
  needsAccounts: true,

  init(section) {
    this.status = el('p', { id: 'js-status', class: 'muted' }, 'Waiting for the server…');
    this.stats = el('dl', { class: 'cards small', id: 'js-stats' });
    this.tbody = el('tbody');
    this.tableBox = el('div', { class: 'scroll', tabindex: '0', role: 'region', 'aria-labelledby': 'stream-caption' },
      el('table', { class: 'grid', id: 'stream-table' },
        el('caption', { id: 'stream-caption' }, 'Streams'),
        el('thead', {}, el('tr', {}, heads(['Stream', 'Account', '#Messages', '#Bytes', '#First seq', '#Last seq', '#Consumers', 'Created']))),
        this.tbody));
    section.append(
      el('h2', { class: 'visually-hidden' }, 'JetStream'),
      this.status, this.stats, this.tableBox,
      el('p', { class: 'muted' }, el('a', { href: 'jsz?streams=1' }, el('code', {}, '/jsz?streams=1'))),
    );
  },

  accounts(ev) {
    const js = ev.jsz;
    const off = !js || js.disabled;
    this.stats.hidden = off;
    this.tableBox.hidden = off;
    if (off) {
      this.status.textContent = 'JetStream is off.';
      return;
    }
    const cfg = js.config || {};
    this.status.textContent = `JetStream is on${cfg.domain ? ' in domain ' + cfg.domain : ''}` +
      (cfg.store_dir ? ` · store ${cfg.store_dir}` : '');
    const items = [['Streams', int(js.streams)], ['Consumers', int(js.consumers)], ['Messages', int(js.messages)],
      ['Bytes', bytes(js.bytes)], ['Memory', bytes(js.memory)], ['Storage', bytes(js.storage)],
      ['API requests', int(js.api ? js.api.total : 0)], ['API errors', int(js.api ? js.api.errors : 0)]];
    this.stats.replaceChildren(...items.map(([k, v]) => el('div', { class: 'card' }, el('dt', {}, k), el('dd', {}, v))));
    const rows = [];
    for (const a of js.account_details || []) {
      for (const s of a.stream_detail || []) {
        const st = s.state || {};
        const td = (col, v) => el('td', { class: 'num', 'data-col': col }, v);
        rows.push(el('tr', { 'data-stream': s.name, 'data-account': a.name },
          el('th', { scope: 'row', 'data-col': 'name' }, s.name), el('td', { 'data-col': 'account' }, a.name),
          td('messages', int(st.messages)), td('bytes', bytes(st.bytes)),
          td('first_seq', int(st.first_seq)), td('last_seq', int(st.last_seq)),
          td('consumers', int(st.consumer_count)),
          el('td', { 'data-col': 'created' }, s.created ? new Date(s.created).toLocaleString() : '')));
      }
    }
    if (!rows.length) rows.push(el('tr', { class: 'empty' }, el('td', { colspan: 8 }, 'No streams.')));
    this.tbody.replaceChildren(...rows);
  },
};

export default panel;
