/**
 * A live time-series chart (uPlot: canvas, a few KB, redraws a 300-point series in well under
 * a millisecond). The chart is made once and given new data on every sample; its element
 * carries the newest value and the point count as data attributes, which tests read.
 */
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { palette, useTheme } from "../lib/palette.js";
import { columns, latest, type Sample, type SampleField } from "../lib/series.js";

export interface Line {
  readonly field: SampleField;
  readonly label: string;
  readonly color: string;
}

export interface ChartProps {
  readonly id: string;
  readonly title: string;
  readonly lines: readonly Line[];
  readonly samples: readonly Sample[];
  readonly format: (value: number | null) => string;
  /** Shown instead of the chart when no sample has a value (e.g. commit time on a memory store). */
  readonly emptyText?: string;
}

export function Chart({ id, title, lines, samples, format, emptyText }: ChartProps) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const data = columns(
    samples,
    lines.map((line) => line.field),
  ) as uPlot.AlignedData;
  const hasValues = lines.some((line) => samples.some((sample) => sample[line.field] !== null));
  const theme = useTheme();

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
    plot.current = new uPlot(options, data, element);
    const resize = new ResizeObserver(() => {
      plot.current?.setSize({ width: Math.max(200, element.clientWidth), height: 150 });
    });
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = undefined;
    };
  }, [theme]);

  useEffect(() => {
    plot.current?.setData(data);
  });

  const last = latest(samples, lines[0]!.field);
  return (
    <section class="card chart" data-chart={id} data-last={last ?? ""} data-points={samples.length}>
      <header>
        <h2>{title}</h2>
        <div class="chart-values">
          {lines.map((line) => (
            <span key={line.field}>
              <i style={{ background: line.color }} />
              {lines.length > 1 ? `${line.label} ` : ""}
              <strong>{format(latest(samples, line.field))}</strong>
            </span>
          ))}
        </div>
      </header>
      <div ref={host} class="chart-plot" hidden={!hasValues && emptyText !== undefined} />
      {!hasValues && emptyText !== undefined && <p class="muted chart-empty">{emptyText}</p>}
    </section>
  );
}
