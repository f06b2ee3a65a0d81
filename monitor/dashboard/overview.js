// Overview: who the server is, what it uses, and its traffic over time.

import { el, int, bytes, dur, rate } from './format.js';
import { RateChart } from './charts.js';

const stats = [
  // [id, label, value from varz (and the tick)]
  ['uptime', 'Uptime', (v) => dur((Date.parse(v.now) - Date.parse(v.start)) / 1000)],
  ['cpu', 'CPU', (v) => v.cpu.toFixed(1) + ' %'],
  ['mem', 'Memory', (v) => bytes(v.mem)],
  ['connections', 'Connections', (v) => int(v.connections)],
  ['total-connections', 'Total connections', (v) => int(v.total_connections)],
  ['subscriptions', 'Subscriptions', (v) => int(v.subscriptions)],
  ['slow-consumers', 'Slow consumers', (v) => int(v.slow_consumers)],
  ['routes', 'Routes', (v) => int(v.routes)],
  ['in-msgs', 'Messages in', (v) => int(v.in_msgs)],
  ['out-msgs', 'Messages out', (v) => int(v.out_msgs)],
  ['in-bytes', 'Bytes in', (v) => bytes(v.in_bytes)],
  ['out-bytes', 'Bytes out', (v) => bytes(v.out_bytes)],
];

const panel = {
  id: 'overview',
  title: 'Overview',
  cells: {},

  init(section) {
    const dl = el('dl', { class: 'cards' });
    for (const [id, label] of stats) {
      const dd = el('dd', { id: 'ov-' + id }, '–');
      this.cells[id] = dd;
      dl.append(el('div', { class: 'card' }, el('dt', {}, label), dd));
    }
    this.rates = el('p', { class: 'rates', 'aria-live': 'off' });
    const msgs = el('figure', { class: 'chart', 'aria-label': 'Messages per second, last 15 minutes' });
    const byts = el('figure', { class: 'chart', 'aria-label': 'Bytes per second, last 15 minutes' });
    section.append(
      el('h2', { class: 'visually-hidden' }, 'Overview'),
      dl, this.rates,
      el('div', { class: 'charts' }, msgs, byts),
      el('p', { class: 'info', id: 'ov-server-info' }),
    );
    this.msgs = new RateChart(msgs, 'Messages / s', 'msgs');
    this.bytes = new RateChart(byts, 'Bytes / s', 'bytes');
    this.info = section.querySelector('#ov-server-info');
  },

  history(samples) {
    this.msgs.set(samples.map((s) => ({ t: s.t, in: s.in_msgs, out: s.out_msgs })));
    this.bytes.set(samples.map((s) => ({ t: s.t, in: s.in_bytes, out: s.out_bytes })));
  },

  tick(ev) {
    const v = ev.varz;
    for (const [id, , f] of stats) {
      this.cells[id].textContent = f(v);
    }
    this.cells.mem.title = int(v.mem) + ' bytes';
    this.cells['in-bytes'].title = int(v.in_bytes) + ' bytes';
    this.cells['out-bytes'].title = int(v.out_bytes) + ' bytes';
    this.cells['slow-consumers'].parentElement.classList.toggle('warn', v.slow_consumers > 0);
    const s = ev.sample;
    if (s) {
      this.msgs.push({ t: s.t, in: s.in_msgs, out: s.out_msgs });
      this.bytes.push({ t: s.t, in: s.in_bytes, out: s.out_bytes });
      this.rates.textContent = `Now: ${rate(s.in_msgs)} msgs/s in, ${rate(s.out_msgs)} msgs/s out, ` +
        `${bytes(s.in_bytes)}/s in, ${bytes(s.out_bytes)}/s out`;
    }
    this.info.textContent = `Clients on ${v.host || '0.0.0.0'}:${v.port} · Go ${v.go.replace(/^go/, '')} · ` +
      `${v.cores} cores, GOMAXPROCS ${v.gomaxprocs} · max payload ${bytes(v.max_payload)} · ` +
      `started ${new Date(v.start).toLocaleString()}`;
  },

  show() {
    this.msgs.resize();
    this.bytes.resize();
  },
};

export default panel;
