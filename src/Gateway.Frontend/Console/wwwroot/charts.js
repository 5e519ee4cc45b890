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
