/**
 * A ScenarioRun whose jobs never touch a network: each job's answer comes from a handler, and
 * every call, every stream the target is told of and every progress line is recorded.
 */
import type { JobRunner, LoadJobName, LoadJobs, ScenarioRun } from "@rivulet/load";

export interface JobCall {
  readonly job: LoadJobName;
  readonly params: Record<string, unknown>;
  readonly timeoutMs: number;
}

type Handlers = { [K in LoadJobName]?: (params: LoadJobs[K]["params"]) => unknown };

export interface FakeRun extends ScenarioRun {
  readonly calls: JobCall[];
  /** Every path and range the target was told of, in order (`<prefix>*<count>` for ranges). */
  readonly told: string[];
  readonly lines: string[];
}

export function fakeRun(handlers: Handlers, options: { runs?: number; serverPid?: number } = {}): FakeRun {
  const calls: JobCall[] = [];
  const told: string[] = [];
  const lines: string[] = [];
  const jobs = (async (job: LoadJobName, params: Record<string, unknown>, timeoutMs: number) => {
    calls.push({ job, params, timeoutMs });
    const handler = handlers[job] as ((params: unknown) => unknown) | undefined;
    if (!handler) throw new Error(`no ${job} job expected`);
    return handler(params);
  }) as JobRunner;
  return {
    target: {
      origin: "http://127.0.0.1:1",
      headers: { authorization: "Bearer t" },
      serverPid: options.serverPid,
      root: "/v1/stream",
      path: (name) => `/v1/stream/run-${name}`,
      created: (...paths) => told.push(...paths),
      createdRange: (prefix, count) => told.push(`${prefix}*${count}`),
    },
    jobs,
    runs: options.runs ?? 1,
    createAttempts: 3,
    progress: (line) => lines.push(line),
    calls,
    told,
    lines,
  };
}
