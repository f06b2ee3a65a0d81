// Accounts: every account with its connections, subscriptions and the
// traffic of its open connections (totals and per second), from the
// "accounts" stream (/accountz?acc= per account, /connz summed by account).

import { el, int, bytes, rate } from './format.js';

// Column headers; a leading # marks a numeric (right-aligned) column.
const heads = (names) => names.map((h) => el('th', { scope: 'col', class: h[0] === '#' ? 'num' : '' }, h.replace(/^#/, '')));

const panel = {
  id: 'accounts',
  title: 'Accounts',
  needsAccounts: true,
  prev: new Map(), // name -> {t, in_msgs, out_msgs, in_bytes, out_bytes}

  init(section) {
    this.tbody = el('tbody');
    this.note = el('p', { class: 'muted', id: 'accounts-note' });
    section.append(
      el('h2', { class: 'visually-hidden' }, 'Accounts'),
      this.note,
      // Focusable, so the keyboard can reach and scroll it.
      el('div', { class: 'scroll', tabindex: '0', role: 'region', 'aria-labelledby': 'account-caption' },
        el('table', { class: 'grid', id: 'account-table' },
          el('caption', { id: 'account-caption' }, 'Accounts'),
          el('thead', {}, el('tr', {}, heads(['Account', '#Connections', '#Subscriptions', '#Msgs in', '#Msgs out',
            '#Bytes in', '#Bytes out', '#Msgs in/s', '#Msgs out/s', 'JetStream']))),
          this.tbody)),
      el('p', { class: 'muted' }, 'Traffic is that of the open connections. ',
        el('a', { href: 'accountz' }, el('code', {}, '/accountz')), ' · ',
        el('a', { href: 'connz' }, el('code', {}, '/connz?acc=…'))),
    );
  },

  accounts(ev) {
    const now = Date.now();
    const next = new Map();
    const list = ev.accounts || [];
    const rows = list.map((a) => {
      const p = this.prev.get(a.name);
      const per = (k) => (p && now > p.t ? Math.max(0, (a[k] - p[k]) * 1000 / (now - p.t)) : 0);
      next.set(a.name, { t: now, in_msgs: a.in_msgs, out_msgs: a.out_msgs, in_bytes: a.in_bytes, out_bytes: a.out_bytes });
      const td = (col, v) => el('td', { class: 'num', 'data-col': col }, v);
      return el('tr', { 'data-account': a.name },
        el('th', { scope: 'row', 'data-col': 'name' }, a.name, a.system ? el('span', { class: 'muted' }, ' (system)') : null),
        td('conns', int(a.client_connections)), td('subs', int(a.subscriptions)),
        td('in_msgs', int(a.in_msgs)), td('out_msgs', int(a.out_msgs)),
        td('in_bytes', bytes(a.in_bytes)), td('out_bytes', bytes(a.out_bytes)),
        td('in_rate', rate(per('in_msgs'))), td('out_rate', rate(per('out_msgs'))),
        el('td', { 'data-col': 'js' }, a.jetstream_enabled ? 'on' : ''));
    });
    this.prev = next;
    if (!rows.length) rows.push(el('tr', { class: 'empty' }, el('td', { colspan: 10 }, 'No accounts.')));
    this.tbody.replaceChildren(...rows);
    const conns = list.reduce((n, a) => n + a.client_connections, 0);
    this.note.textContent = `${list.length} account${list.length === 1 ? '' : 's'} · ${int(conns)} client connection${conns === 1 ? '' : 's'}`;
  },
};

export default panel;
