/**
 * A live time-series chart (uPlot: canvas, a few KB, redraws a 300-point series in well under
 * a millisecond). The plot is made once per set of lines and given new data on every sample;
 * its element carries the newest value of the first line (or `last`) and the point count as
 * data attributes, which tests read.
 */
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { palette, useTheme } from "../lib/palette.js";

export interface PlotLine {
  readonly label: string;
  readonly color: string;
}

export interface LineChartProps {
  readonly id: string;
  readonly title: string;
  readonly lines: readonly PlotLine[];
  /** Sample times in seconds, then one column per line (null where there was no figure). */
  readonly data: readonly (readonly (number | null)[])[];
  readonly format: (value: number | null) => string;
  /** The figure the chart stands for now (default: the first line's newest value). */
  readonly last?: number | null;
  /** Shown instead of the chart when no sample has a value (e.g. commit time on a memory store). */
  readonly emptyText?: string;
}

export function LineChart({ id, title, lines, data, format, last, emptyText }: LineChartProps) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const hasValues = data.slice(1).some((column) => column.some((value) => value !== null));
  const theme = useTheme();
  const shape = lines.map((line) => line.label).join("\n");

  useEffect(() => {
    const element = host.current;
    if (!element) return;
    const colors = palette();
    const axis = {
      stroke: colors.muted,
      grid: { stroke: colors.grid, width: 1 },
      ticks: { stroke: colors.grid, width: 1 },
    };
    const options: uPlot.Options = {
      width: Math.max(200, element.clientWidth),
      height: 150,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: { y: { range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.1 : 1] } },
      axes: [axis, { ...axis, size: 78, values: (_u, splits) => splits.map((value) => format(value)) }],
      series: [
        {},
        ...lines.map((line) => ({
          label: line.label,
          stroke: line.color,
          width: 2,
          spanGaps: false,
          points: { show: false },
        })),
      ],
    };
    plot.current = new uPlot(options, data as uPlot.AlignedData, element);
    const resize = new ResizeObserver(() => {
      plot.current?.setSize({ width: Math.max(200, element.clientWidth), height: 150 });
    });
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = undefined;
    };
  }, [theme, shape]);

  useEffect(() => {
    plot.current?.setData(data as uPlot.AlignedData);
  });

  const newest = (column: readonly (number | null)[] | undefined) => column?.[column.length - 1] ?? null;
  const shown = last === undefined ? newest(data[1]) : last;
  return (
    <section class="card chart" data-chart={id} data-last={shown ?? ""} data-points={data[0]?.length ?? 0}>
      <header>
        <h2>{title}</h2>
        <div class="chart-values">
          {lines.map((line, index) => (
            <span key={line.label}>
              <i style={{ background: line.color }} />
              {lines.length > 1 ? `${line.label} ` : ""}
              <strong>{format(newest(data[index + 1]))}</strong>
            </span>
          ))}
        </div>
      </header>
      <div ref={host} class="chart-plot" hidden={!hasValues && emptyText !== undefined} />
      {!hasValues && emptyText !== undefined && <p class="muted chart-empty">{emptyText}</p>}
    </section>
  );
}
