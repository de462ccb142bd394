/**
 * Prometheus metrics (prom-client): requests and latency by operation and status, appends
 * and bytes, live connections by mode, durable commit latency and group-commit batch sizes,
 * streams, stored bytes, requests refused by a limit or by access control, slow readers
 * disconnected, corrupt stored data found, and file-descriptor shortages.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { StoreObserver } from "../store/types.js";

export interface MetricSources {
  streams(): number;
  storedBytes(): number | undefined;
}

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export class ServerMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<"operation" | "status">;
  private readonly latency: Histogram<"operation" | "status">;
  private readonly requestSeries = new Map<
    string,
    {
      readonly count: Counter.Internal;
      readonly latency: Histogram.Internal<"operation" | "status">;
    }
  >();
  private readonly appends: Counter;
  private readonly appendBytes: Counter;
  /** Each mode's series, kept: every long-poll opens and closes one, and labels would be hashed each time. */
  private readonly liveByMode: Record<"long-poll" | "sse", Gauge.Internal<"mode">>;
  private readonly commitSeconds: Histogram;
  private readonly commitRecords: Histogram;
  private readonly rejections: Counter<"code">;
  private readonly slowReaders: Counter<"mode">;
  private readonly corruptions: Counter;
  private readonly fileLimits: Counter;

  constructor(sources: MetricSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: "rivulet_" });
    this.requests = new Counter({
      name: "rivulet_http_requests_total",
      help: "HTTP requests by operation and status",
      labelNames: ["operation", "status"],
      registers,
    });
    this.latency = new Histogram({
      name: "rivulet_http_request_duration_seconds",
      help: "Time from request to response headers (to the end of the session for SSE)",
      labelNames: ["operation", "status"],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.appends = new Counter({ name: "rivulet_appends_total", help: "Acknowledged appends", registers });
    this.appendBytes = new Counter({
      name: "rivulet_append_bytes_total",
      help: "Body bytes of acknowledged appends",
      registers,
    });
    const live = new Gauge({
      name: "rivulet_live_connections",
      help: "Open live reads by mode (long-poll, sse)",
      labelNames: ["mode"],
      registers,
    });
    this.liveByMode = { "long-poll": live.labels({ mode: "long-poll" }), sse: live.labels({ mode: "sse" }) };
    this.commitSeconds = new Histogram({
      name: "rivulet_store_commit_seconds",
      help: "Durable log write (fsync or O_DSYNC write) time per group commit",
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
      registers,
    });
    this.commitRecords = new Histogram({
      name: "rivulet_store_commit_records",
      help: "Records per group commit",
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
      registers,
    });
    this.rejections = new Counter({
      name: "rivulet_rejections_total",
      help: "Requests refused by a limit or by access control, by error code",
      labelNames: ["code"],
      registers,
    });
    this.slowReaders = new Counter({
      name: "rivulet_slow_readers_disconnected_total",
      help: "Connections cut because the client did not read what was sent (sse, response)",
      labelNames: ["mode"],
      registers,
    });
    this.corruptions = new Counter({
      name: "rivulet_store_corruptions_total",
      help: "Reads that met stored bytes failing their checksum (answered DATA_CORRUPTED, never served)",
      registers,
    });
    this.fileLimits = new Counter({
      name: "rivulet_store_file_limit_total",
      help: "Opens that failed for want of file descriptors (EMFILE/ENFILE), retried or answered 503",
      registers,
    });
    new Gauge({
      name: "rivulet_streams",
      help: "Streams held by the server (including soft-deleted ones kept for forks)",
      registers,
      collect() {
        this.set(sources.streams());
      },
    });
    new Gauge({
      name: "rivulet_store_bytes",
      help: "Bytes held by the store (stream data and log)",
      registers,
      collect() {
        const bytes = sources.storedBytes();
        if (bytes !== undefined) this.set(bytes);
      },
    });
  }

  observeRequest(operation: string, status: number, seconds: number): void {
    // The series of one operation and status, looked up by a short key: prom-client would hash
    // the label object on every call, twice per request.
    const key = `${operation} ${status}`;
    let series = this.requestSeries.get(key);
    if (!series) {
      const labels = { operation, status: String(status) };
      series = { count: this.requests.labels(labels), latency: this.latency.labels(labels) };
      this.requestSeries.set(key, series);
    }
    series.count.inc();
    series.latency.observe(seconds);
  }

  observeAppend(bytes: number): void {
    this.appends.inc();
    this.appendBytes.inc(bytes);
  }

  liveOpened(mode: "long-poll" | "sse"): void {
    this.liveByMode[mode].inc();
  }

  liveClosed(mode: "long-poll" | "sse"): void {
    this.liveByMode[mode].dec();
  }

  rejected(code: string): void {
    this.rejections.inc({ code });
  }

  slowReaderCut(mode: "sse" | "response"): void {
    this.slowReaders.inc({ mode });
  }

  readonly storeObserver: Required<Pick<StoreObserver, "commit" | "corruption" | "fileLimit">> = {
    commit: (records, seconds) => {
      this.commitRecords.observe(records);
      this.commitSeconds.observe(seconds);
    },
    corruption: () => this.corruptions.inc(),
    fileLimit: () => this.fileLimits.inc(),
  };

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
