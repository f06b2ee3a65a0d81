// Rate charts over the last 15 minutes, drawn with the vendored uPlot
// (dashboard/vendor, MIT): about 50 KB, canvas based, made for live data.

import { rate, bytes } from './format.js';

const SPAN = 15 * 60; // seconds shown

const clockFmt = new Intl.DateTimeFormat([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
const clock = (secs) => clockFmt.format(new Date(secs * 1000));

function css(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

/**
 * A two-series chart (in and out per second) in holder.
 * kind is 'msgs' or 'bytes', which picks the axis format.
 */
export class RateChart {
  constructor(holder, title, kind) {
    this.holder = holder;
    this.title = title;
    this.kind = kind;
    this.data = [[], [], []]; // time, in, out
    this.plot = null;
    new ResizeObserver(() => this.resize()).observe(holder);
    matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => this.rebuild());
  }

  fmt(v) {
    return v == null ? '–' : (this.kind === 'bytes' ? bytes(v) + '/s' : rate(v) + '/s');
  }

  rebuild() {
    if (this.plot) { this.plot.destroy(); this.plot = null; }
    this.resize();
  }

  resize() {
    const pad = parseFloat(getComputedStyle(this.holder).paddingLeft) || 0;
    const w = this.holder.clientWidth - 2 * pad;
    if (w <= 0 || !window.uPlot) return; // hidden: build when shown
    const size = { width: w, height: Math.max(160, Math.min(240, Math.round(w / 3))) };
    if (this.plot) { this.plot.setSize(size); return; }
    const axis = css('--muted'), grid = css('--grid');
    const fmtAxis = (u, vals) => vals.map((v) => (this.kind === 'bytes' ? bytes(v) : rate(v)));
    this.plot = new uPlot({
      ...size,
      title: this.title,
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(this.kind === 'bytes' ? 1024 : 10, max * 1.1)] } },
      axes: [
        { stroke: axis, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid }, space: 80, values: (u, vals) => vals.map(clock) },
        { stroke: axis, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid }, values: fmtAxis, size: 70 },
      ],
      series: [
        {},
        { label: 'in', stroke: css('--in'), fill: css('--in-fill'), width: 2, value: (u, v) => this.fmt(v) },
        { label: 'out', stroke: css('--out'), fill: css('--out-fill'), width: 2, value: (u, v) => this.fmt(v) },
      ],
    }, this.data, this.holder);
  }

  /** Replaces the data with samples [{t, in, out}], oldest first. */
  set(points) {
    this.data = [points.map((p) => p.t), points.map((p) => p.in), points.map((p) => p.out)];
    this.draw();
  }

  /** Appends one point and drops what fell out of the window. */
  push(p) {
    const [t, a, b] = this.data;
    t.push(p.t); a.push(p.in); b.push(p.out);
    while (t.length && t[0] < p.t - SPAN) { t.shift(); a.shift(); b.shift(); }
    this.draw();
  }

  draw() {
    if (!this.plot) this.resize();
    if (this.plot) this.plot.setData(this.data);
  }
}
