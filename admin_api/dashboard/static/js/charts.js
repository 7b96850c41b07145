// Charts as inline SVG, drawn here: a column chart (a value per period) and a bar list (a value
// per name). Each is a <figure>: its SVG has role="img", named by its title and described by a
// one-line summary, and the same numbers follow as a table in a <details>, for screen readers
// and for copying. The SVG is drawn at the width it is shown at (redrawn when that changes),
// so its text keeps its size on a laptop and a tablet alike.

import { formatDate, h, replace, uid } from "./dom.js";

const TICKS = 4;
const MAX_BARS = 8;

function svg(tag, attrs = {}, ...children) {
  return h(`svg:${tag}`, attrs, ...children);
}

/** The smallest "round" number (1, 2, 2.5 or 5 times a power of ten) at or above `value`. */
function niceCeiling(value) {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (step * power >= value * (1 - 1e-9)) return step * power;
  }
  return 10 * power;
}

/** A holder that calls draw(width) now and whenever its width changes. */
function sized(draw) {
  const holder = h("div", { class: "chart-canvas" });
  let drawnAt = 0;
  new ResizeObserver((entries) => {
    const width = Math.floor(entries[0].contentRect.width);
    if (width > 0 && width !== drawnAt) {
      drawnAt = width;
      replace(holder, draw(width));
    }
  }).observe(holder);
  return holder;
}

function chartSvg(width, height, title, summary, body) {
  const titleId = uid("chart-title");
  const descId = uid("chart-desc");
  return svg(
    "svg",
    {
      width,
      height,
      viewBox: `0 0 ${width} ${height}`,
      role: "img",
      "aria-labelledby": titleId,
      "aria-describedby": descId,
      class: "chart-svg",
    },
    svg("title", { id: titleId }, title),
    svg("desc", { id: descId }, summary),
    body,
  );
}

function figure(title, canvas, rows, format) {
  const table = h(
    "table",
    { class: "data-table" },
    h("caption", { class: "sr-only" }, title),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Item"), h("th", { scope: "col" }, "Value"))),
    h(
      "tbody",
      {},
      rows.map((row) => h("tr", {}, h("th", { scope: "row" }, row.label), h("td", {}, format(row.value)))),
    ),
  );
  return h(
    "figure",
    { class: "chart" },
    h("figcaption", {}, title),
    canvas,
    h("details", { class: "chart-data" }, h("summary", {}, "Show the numbers"), table),
  );
}

function empty(title, message) {
  return h("figure", { class: "chart" }, h("figcaption", {}, title), h("p", { class: "empty" }, message));
}

/** Columns over time: points = [{label: "YYYY-MM-DD", value: number}], in order. */
export function columnChart({ title, points, format, emptyMessage = "No data in this range." }) {
  if (!points.some((p) => p.value > 0)) return empty(title, emptyMessage);
  const total = points.reduce((sum, p) => sum + p.value, 0);
  const peak = points.reduce((best, p) => (p.value > best.value ? p : best), points[0]);
  const summary =
    `${points.length} periods from ${formatDate(points[0].label)} to ` +
    `${formatDate(points[points.length - 1].label)}; total ${format(total)}, ` +
    `highest ${format(peak.value)} on ${formatDate(peak.label)}.`;
  const step = niceCeiling(peak.value / TICKS);
  const top = step * TICKS;

  const draw = (width) => {
    const height = 240;
    const margin = { top: 12, right: 8, bottom: 30, left: 64 };
    const plotWidth = width - margin.left - margin.right;
    const plotHeight = height - margin.top - margin.bottom;
    const band = plotWidth / points.length;
    const barWidth = Math.max(2, Math.min(40, band * 0.7));
    const labelEvery = Math.ceil(points.length / Math.max(1, Math.floor(plotWidth / 70)));
    const y = (value) => margin.top + plotHeight - (value / top) * plotHeight;
    const parts = [];
    for (let i = 0; i <= TICKS; i += 1) {
      const value = step * i;
      parts.push(
        svg("line", { x1: margin.left, x2: width - margin.right, y1: y(value), y2: y(value), class: "grid" }),
        svg("text", { x: margin.left - 8, y: y(value) + 4, "text-anchor": "end", class: "axis" }, format(value)),
      );
    }
    points.forEach((point, index) => {
      const x = margin.left + band * index + (band - barWidth) / 2;
      const barHeight = point.value > 0 ? Math.max(1, margin.top + plotHeight - y(point.value)) : 0;
      parts.push(
        svg(
          "rect",
          { x, y: margin.top + plotHeight - barHeight, width: barWidth, height: barHeight, class: "bar" },
          svg("title", {}, `${formatDate(point.label)}: ${format(point.value)}`),
        ),
      );
      if (index % labelEvery === 0) {
        parts.push(
          svg(
            "text",
            { x: x + barWidth / 2, y: height - 10, "text-anchor": "middle", class: "axis" },
            formatDate(point.label).replace(/,? \d{4}$/, ""),
          ),
        );
      }
    });
    return chartSvg(width, height, title, summary, parts);
  };
  const rows = points.map((p) => ({ label: formatDate(p.label), value: p.value }));
  return figure(title, sized(draw), rows, format);
}

/** Horizontal bars, largest first: items = [{label, value}]; past 8, the rest add up to "Other". */
export function barList({ title, items, format, emptyMessage = "No data in this range." }) {
  const sorted = items.filter((item) => item.value > 0).sort((a, b) => b.value - a.value);
  if (!sorted.length) return empty(title, emptyMessage);
  const shown = sorted.slice(0, MAX_BARS);
  if (sorted.length > MAX_BARS) {
    shown.push({ label: "Other", value: sorted.slice(MAX_BARS).reduce((s, i) => s + i.value, 0) });
  }
  const total = sorted.reduce((sum, item) => sum + item.value, 0);
  const summary =
    `${sorted.length} ${sorted.length === 1 ? "entry" : "entries"}, total ${format(total)}; ` +
    `largest: ${shown[0].label}, ${format(shown[0].value)}.`;
  const top = shown[0].value;

  const draw = (width) => {
    const rowHeight = 30;
    const height = shown.length * rowHeight + 4;
    const labelWidth = Math.min(170, Math.round(width * 0.38));
    const valueWidth = 72;
    const plotWidth = Math.max(20, width - labelWidth - valueWidth);
    const maxChars = Math.max(6, Math.floor((labelWidth - 10) / 8.5)); // about 8 px a character at 13 px
    const rows = shown.map((item, index) => {
      const y = 2 + index * rowHeight;
      const barWidth = Math.max(2, (item.value / top) * plotWidth);
      const label = item.label.length > maxChars ? `${item.label.slice(0, maxChars - 1)}…` : item.label;
      return svg(
        "g",
        {},
        svg("text", { x: labelWidth - 10, y: y + 19, "text-anchor": "end", class: "label" }, label),
        svg(
          "rect",
          { x: labelWidth, y: y + 6, width: barWidth, height: rowHeight - 12, rx: 3, class: "bar" },
          svg("title", {}, `${item.label}: ${format(item.value)}`),
        ),
        svg("text", { x: labelWidth + barWidth + 6, y: y + 19, class: "value" }, format(item.value)),
      );
    });
    return chartSvg(width, height, title, summary, rows);
  };
  return figure(title, sized(draw), shown, format);
}
