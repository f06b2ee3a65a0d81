// Cluster: this server, its routes as a small topology picture with RTT
// and traffic per link, and the routes' table. Leaf nodes and gateways
// join the picture once natsd has them.

import { el, int, bytes, rate } from './format.js';

const SVG = 'http://www.w3.org/2000/svg';
function s(tag, attrs, ...kids) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const c of kids) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

const panel = {
  id: 'cluster',
  title: 'Cluster',
  prev: new Map(), // rid -> counters, for rates

  init(section) {
    this.picture = el('figure', { class: 'topology', id: 'cluster-topology' });
    this.tbody = el('tbody');
    this.note = el('p', { class: 'muted' });
    section.append(
      el('h2', { class: 'visually-hidden' }, 'Cluster'),
      this.picture, this.note,
      el('div', { class: 'scroll' }, el('table', { class: 'grid', id: 'route-table' },
        el('caption', {}, 'Routes'),
        el('thead', {}, el('tr', {}, ['#RID', 'Remote', 'Address', 'Direction', '#RTT', '#Msgs in/s', '#Msgs out/s', '#Bytes in/s', '#Bytes out/s', '#Pending', '#Subs', 'Uptime']
          .map((h) => el('th', { scope: 'col', class: h[0] === '#' ? 'num' : '' }, h.replace(/^#/, ''))))),
        this.tbody)),
      el('p', { class: 'muted' }, 'Leaf nodes and gateways: natsd has none yet.'),
    );
  },

  tick(ev) {
    const rz = ev.routez;
    if (!rz) return;
    const now = Date.parse(rz.now);
    const next = new Map();
    const routes = rz.routes || [];
    for (const r of routes) {
      const p = this.prev.get(r.rid);
      r.rates = p && now > p.t ? {
        in_msgs: (r.in_msgs - p.in_msgs) * 1000 / (now - p.t), out_msgs: (r.out_msgs - p.out_msgs) * 1000 / (now - p.t),
        in_bytes: (r.in_bytes - p.in_bytes) * 1000 / (now - p.t), out_bytes: (r.out_bytes - p.out_bytes) * 1000 / (now - p.t),
      } : (p ? p.rates : { in_msgs: 0, out_msgs: 0, in_bytes: 0, out_bytes: 0 });
      next.set(r.rid, { t: now, in_msgs: r.in_msgs, out_msgs: r.out_msgs, in_bytes: r.in_bytes, out_bytes: r.out_bytes, rates: r.rates });
    }
    this.prev = next;
    this.draw(ev.varz, routes);
    this.tbody.replaceChildren(...routes.map((r) => el('tr', { 'data-rid': r.rid },
      el('td', { class: 'num' }, String(r.rid)), el('td', {}, r.remote_name || r.remote_id),
      el('td', { class: 'mono' }, `${r.ip}:${r.port}`), el('td', {}, r.did_solicit ? 'outbound' : 'inbound'),
      el('td', { class: 'num' }, r.rtt || ''), el('td', { class: 'num' }, rate(r.rates.in_msgs)),
      el('td', { class: 'num' }, rate(r.rates.out_msgs)), el('td', { class: 'num' }, bytes(r.rates.in_bytes)),
      el('td', { class: 'num' }, bytes(r.rates.out_bytes)), el('td', { class: 'num' }, bytes(r.pending_size)),
      el('td', { class: 'num' }, int(r.subscriptions)), el('td', {}, r.uptime))));
    if (!routes.length) {
      this.tbody.append(el('tr', { class: 'empty' }, el('td', { colspan: 12 }, 'No routes.')));
    }
    const cl = ev.varz.cluster || {};
    this.note.textContent = cl.name || cl.cluster_port
      ? `Cluster ${cl.name || ''} on port ${cl.cluster_port || '?'} · ${routes.length} route${routes.length === 1 ? '' : 's'}`
      : 'This server is not in a cluster.';
  },

  // A star: this server in the middle, each peer around it, each link
  // labelled with its RTT and message rates. A peer is reached over a pool
  // of route connections (nats-server's pool_size, 3 by default, plus
  // pinned accounts), so its connections are drawn as one link with their
  // rates added up.
  draw(v, conns) {
    const peers = new Map();
    for (const r of conns) {
      const p = peers.get(r.remote_id);
      if (!p) {
        peers.set(r.remote_id, { ...r, rates: { ...r.rates }, conns: 1 });
        continue;
      }
      p.conns++;
      for (const k of Object.keys(p.rates)) p.rates[k] += r.rates[k];
    }
    const routes = [...peers.values()];
    const W = 760, H = routes.length > 2 ? 400 : 260, cx = W / 2, cy = H / 2;
    const rx = W / 2 - 110, ry = H / 2 - 70;
    const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-labelledby': 'topo-title' },
      s('title', { id: 'topo-title' }, `${v.server_name}: ${routes.length} peer${routes.length === 1 ? '' : 's'}`));
    const node = (x, y, label, sub, me) => s('g', { class: 'node' + (me ? ' me' : '') },
      s('circle', { cx: x, cy: y, r: me ? 34 : 26 }),
      s('text', { x, y: y + (me ? 52 : 44), 'text-anchor': 'middle', class: 'label' }, label),
      s('text', { x, y: y + (me ? 68 : 60), 'text-anchor': 'middle', class: 'sublabel' }, sub));
    routes.forEach((r, i) => {
      // Around an ellipse, starting on the right: one route is a
      // horizontal link, with its labels above and below it.
      const a = (2 * Math.PI * i) / routes.length;
      const x = cx + rx * Math.cos(a), y = cy + ry * Math.sin(a);
      const mx = (cx + x) / 2, my = (cy + y) / 2;
      const busy = r.rates.in_msgs + r.rates.out_msgs;
      svg.append(s('line', { x1: cx, y1: cy, x2: x, y2: y, class: 'link', 'stroke-width': Math.min(8, 1.5 + Math.log10(1 + busy)) }));
      svg.append(s('text', { x: mx, y: my - 6, 'text-anchor': 'middle', class: 'linklabel' }, 'RTT ' + (r.rtt || '–')));
      svg.append(s('text', { x: mx, y: my + 12, 'text-anchor': 'middle', class: 'linklabel' },
        `in ${rate(r.rates.in_msgs)} · out ${rate(r.rates.out_msgs)} msg/s`));
      svg.append(node(x, y, r.remote_name || r.remote_id.slice(0, 8),
        r.conns > 1 ? `${r.ip}:${r.port} · ${r.conns} connections` : `${r.ip}:${r.port}`, false));
    });
    svg.append(node(cx, cy, v.server_name || v.server_id.slice(0, 8), 'this server', true));
    if (!routes.length) {
      svg.append(s('text', { x: cx, y: cy - 50, 'text-anchor': 'middle', class: 'sublabel' }, 'no routes'));
    }
    this.picture.replaceChildren(svg);
  },
};

export default panel;
