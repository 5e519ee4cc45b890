// Charts drawn as inline SVG: no library, nothing fetched at run time.
const NS = 'http://www.w3.org/2000/svg';

function el(name, attrs, text) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Horizontal bars: rows of { label, value, text }; each bar is scaled to the largest value. */
export function barChart(rows, { width = 520, color = '#2f5bd3' } = {}) {
  const rowHeight = 20, labelWidth = 150, textWidth = 90;
  // Drawn on a fixed grid and scaled to the card's width, so the longest bar and its figure always fit.
  const height = Math.max(1, rows.length) * rowHeight + 4;
  const svg = el('svg', { viewBox: `0 0 ${width} ${height}`, width: '100%', preserveAspectRatio: 'xMinYMin meet', role: 'img' });
  const max = Math.max(1, ...rows.map(r => r.value));
  rows.forEach((r, i) => {
    const y = i * rowHeight + 2;
    svg.append(el('text', { x: 0, y: y + 13 }, r.label.length > 22 ? r.label.slice(0, 21) + '…' : r.label));
    const w = Math.max(1, (width - labelWidth - textWidth) * r.value / max);
    svg.append(el('rect', { x: labelWidth, y, width: w, height: rowHeight - 6, fill: r.color ?? color, rx: 2 }));
    svg.append(el('text', { x: labelWidth + w + 4, y: y + 13 }, r.text));
  });
  return svg;
}

/** Stacked bars of requests by outcome: rows of { label, ok, denied }. */
export function outcomeChart(rows, { width = 520 } = {}) {
  return barChart(rows.flatMap(r => [
    { label: r.label + ' ok', value: r.ok, text: `${r.ok} req`, color: '#1e8449' },
    { label: r.label + ' denied', value: r.denied, text: `${r.denied} req`, color: '#c0392b' },
  ]), { width });
}

/**
 * Stacked columns over time: slots of { label, values } (one value per series, oldest slot first),
 * series of { name, color }. The tallest column's total is written at the top, every sixth slot's
 * label along the bottom, and each column's figures are in its tooltip.
 */
export function timeChart(slots, series, { width = 520, height = 160, format = v => String(v) } = {}) {
  const top = 16, bottom = 30, left = 4;
  const svg = el('svg', { viewBox: `0 0 ${width} ${height}`, width: '100%', preserveAspectRatio: 'xMinYMin meet', role: 'img' });
  const totals = slots.map(s => s.values.reduce((a, b) => a + b, 0));
  const max = Math.max(1, ...totals);
  const plot = height - top - bottom;
  const step = (width - left) / Math.max(1, slots.length);
  svg.append(el('line', { x1: left, y1: top + plot, x2: width, y2: top + plot, stroke: '#d9dde5' }));
  svg.append(el('text', { x: left, y: 11 }, `max ${format(Math.max(0, ...totals))}`));
  slots.forEach((slot, i) => {
    const x = left + i * step;
    let y = top + plot;
    slot.values.forEach((v, k) => {
      if (v <= 0) return;
      const h = Math.max(1, plot * v / max);
      y -= h;
      const bar = el('rect', { x: x + 1, y, width: Math.max(1, step - 2), height: h, fill: series[k].color });
      bar.append(el('title', {}, `${slot.label}: ${series.map((s, j) => `${s.name} ${format(slot.values[j])}`).join(', ')}`));
      svg.append(bar);
    });
    if (i % 6 === 0) svg.append(el('text', { x, y: top + plot + 13 }, slot.label));
  });
  let lx = left;
  for (const s of series) {
    svg.append(el('rect', { x: lx, y: height - 10, width: 10, height: 8, fill: s.color }));
    svg.append(el('text', { x: lx + 14, y: height - 2 }, s.name));
    lx += 14 + 7 * s.name.length + 16;
  }
  return svg;
}
