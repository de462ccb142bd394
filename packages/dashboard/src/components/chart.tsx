/** A chart of the overview: some fields of the server's metrics samples over time. */
import { columns, type Sample, type SampleField } from "../lib/series.js";
import { LineChart } from "./line-chart.js";

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

export function Chart({ lines, samples, ...rest }: ChartProps) {
  const data = columns(
    samples,
    lines.map((line) => line.field),
  );
  return <LineChart {...rest} lines={lines} data={data} />;
}
