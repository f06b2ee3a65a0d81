// Number, size and time formatting shared by the panels.

const nf = new Intl.NumberFormat('en-US');

/** A whole number with thousands separators: 1234567 -> "1,234,567". */
export function int(n) {
  return nf.format(Math.round(n || 0));
}

const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** A byte count in binary units: 1536 -> "1.5 KiB". */
export function bytes(n) {
  n = n || 0;
  let i = 0;
  while (Math.abs(n) >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i === 0 ? Math.round(n) : n.toFixed(n < 10 ? 1 : 0)) + ' ' + units[i];
}

/** A per-second rate, short: 0, 12, 3.4k, 1.2M. */
export function rate(n) {
  n = n || 0;
  if (n < 1000) return n < 10 && n % 1 ? n.toFixed(1) : String(Math.round(n));
  if (n < 1e6) return (n / 1e3).toFixed(n < 1e4 ? 1 : 0) + 'k';
  if (n < 1e9) return (n / 1e6).toFixed(n < 1e7 ? 1 : 0) + 'M';
  return (n / 1e9).toFixed(1) + 'G';
}

/** A duration in seconds as nats-server writes them: 1d2h3m4s. */
export function dur(secs) {
  secs = Math.max(0, Math.floor(secs));
  const d = Math.floor(secs / 86400), h = Math.floor(secs / 3600) % 24,
    m = Math.floor(secs / 60) % 60, s = secs % 60;
  if (d) return `${d}d${h}h${m}m${s}s`;
  if (h) return `${h}h${m}m${s}s`;
  if (m) return `${m}m${s}s`;
  return `${s}s`;
}

/** Creates an element with attributes and children (strings become text). */
export function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of kids.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

/** Fetches a JSON endpoint relative to the page (so under the base path). */
export async function getJSON(path) {
  const r = await fetch(path, { credentials: 'same-origin', cache: 'no-store' });
  if (!r.ok) throw new Error(`${path}: ${r.status} ${(await r.text()).trim()}`);
  return r.json();
}
