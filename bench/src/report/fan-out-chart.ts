/**
 * The fan-out latency chart: one panel per (mode, subscriber count), one percentile curve per
 * server, log-scaled latency. Plain SVG text, no dependencies.
 */
import type { ServerId } from "../core/types.js";
import type { FanOutCell, FanOutData } from "../scenarios/fan-out-types.js";
import { SERVER_KINDS } from "../servers/server-kinds.js";
import { logAxis, ninesAxis } from "./svg-scales.js";

const PANEL = { width: 440, height: 260, left: 62, right: 30, top: 34, bottom: 40 };
const LEGEND_LINE = 18;
const COLORS: Record<ServerId, string> = {
  rivulet: "#0b6bcb",
  rivuletMemory: "#66a3e0",
  refFile: "#d1495b",
  refMemory: "#edae49",
  trivial: "#555",
  minimalDurable: "#2a9d8f",
};
const MAX_NINES = 4;

export function fanOutChart(data: FanOutData, caption: string): string {
  const panels = panelKeys(data.cells);
  const columns = 2;
  const rows = Math.ceil(panels.length / columns);
  const servers = [...new Set(data.cells.map((c) => c.server))];
  const legendHeight = 12 + Math.ceil(servers.length / 2) * LEGEND_LINE;
  const width = columns * PANEL.width;
  const height = legendHeight + rows * PANEL.height + 24;
  const body = panels.map((key, i) =>
    panel(
      data.cells.filter((c) => c.mode === key.mode && c.subscribers === key.subscribers),
      `${key.mode === "sse" ? "SSE" : "long-poll"}, ${key.subscribers.toLocaleString("en-US")} subscribers`,
      (i % columns) * PANEL.width,
      legendHeight + Math.floor(i / columns) * PANEL.height,
    ),
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="11" role="img" aria-labelledby="chart-title">`,
    `<title id="chart-title">Fan-out delivery latency by percentile: ${escapeXml(caption)}</title>`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    legend(servers),
    ...body,
    `<text x="${width / 2}" y="${height - 8}" text-anchor="middle" fill="#555">${escapeXml(caption)}</text>`,
    "</svg>",
    "",
  ].join("\n");
}

function panelKeys(cells: readonly FanOutCell[]): Array<{ mode: FanOutCell["mode"]; subscribers: number }> {
  const keys = new Map<string, { mode: FanOutCell["mode"]; subscribers: number }>();
  for (const cell of cells)
    keys.set(`${cell.mode}/${cell.subscribers}`, { mode: cell.mode, subscribers: cell.subscribers });
  return [...keys.values()];
}

function legend(servers: readonly ServerId[]): string {
  return servers
    .map((server, i) => {
      const x = 16 + (i % 2) * PANEL.width;
      const y = 14 + Math.floor(i / 2) * LEGEND_LINE;
      return `<line x1="${x}" y1="${y}" x2="${x + 22}" y2="${y}" stroke="${COLORS[server]}" stroke-width="2.5"/><text x="${x + 28}" y="${y + 4}">${escapeXml(SERVER_KINDS[server].label)}</text>`;
    })
    .join("\n");
}

function panel(cells: readonly FanOutCell[], title: string, x0: number, y0: number): string {
  const values = cells.flatMap((c) => c.curve.map(([, v]) => v)).filter((v) => Number.isFinite(v) && v > 0);
  const left = x0 + PANEL.left;
  const right = x0 + PANEL.width - PANEL.right;
  const top = y0 + PANEL.top;
  const bottom = y0 + PANEL.height - PANEL.bottom;
  const xAxis = ninesAxis(MAX_NINES, left, right);
  const yAxis = logAxis(Math.min(...values, 1), Math.max(...values, 10), bottom, top, (v) =>
    v >= 1000 ? `${v / 1000} s` : `${v} ms`,
  );
  const parts = [
    `<text x="${(left + right) / 2}" y="${y0 + 20}" text-anchor="middle" font-weight="600">${escapeXml(title)}</text>`,
  ];
  for (const tick of yAxis.ticks) {
    const y = yAxis.at(tick.value).toFixed(1);
    parts.push(`<line x1="${left}" y1="${y}" x2="${right}" y2="${y}" stroke="#e4e4e4"/>`);
    parts.push(
      `<text x="${left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" fill="#444">${tick.label}</text>`,
    );
  }
  for (const tick of xAxis.ticks) {
    const x = xAxis.at(tick.value).toFixed(1);
    parts.push(`<line x1="${x}" y1="${top}" x2="${x}" y2="${bottom}" stroke="#eee"/>`);
    parts.push(`<text x="${x}" y="${bottom + 14}" text-anchor="middle" fill="#444">${tick.label}</text>`);
  }
  parts.push(
    `<rect x="${left}" y="${top}" width="${right - left}" height="${bottom - top}" fill="none" stroke="#999"/>`,
  );
  parts.push(
    `<text x="${(left + right) / 2}" y="${bottom + 30}" text-anchor="middle" fill="#444">percentile of deliveries</text>`,
  );
  for (const cell of cells) {
    const points = cell.curve
      .filter(([p, v]) => p < 100 && Number.isFinite(v) && v > 0)
      .map(([p, v]) => `${xAxis.at(p).toFixed(1)},${yAxis.at(v).toFixed(1)}`);
    if (points.length > 1) {
      parts.push(
        `<polyline fill="none" stroke="${COLORS[cell.server]}" stroke-width="2" points="${points.join(" ")}"/>`,
      );
    }
  }
  return `<g>\n${parts.join("\n")}\n</g>`;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
