/**
 * A node of a cluster (docs/cluster.md): it keeps trying for the `leader` lease; while it
 * holds it, it runs the singleton features' work (OwnedWork); every node serves plain stream
 * operations, and sends requests for singleton features to the lease holder (forward/).
 */
import { randomUUID } from "node:crypto";
import { ProtocolError } from "@rivulet/protocol";
import pg from "pg";
import type { HttpReply, HttpRequest } from "../http/exchange.js";
import type { RouteSpec } from "../http/routing/route.js";
import type { Logger } from "../ops/logger.js";
import { Forwarder } from "./forward/forward.js";
import { FORWARDED_BY } from "./forward/headers.js";
import type { FenceSource, FenceToken } from "./leases/fence.js";
import { LeaseManager } from "./leases/lease-manager.js";
import { DEFAULT_LEASE_TIMING, transition } from "./leases/lease-math.js";
import type { Queryable } from "./leases/lease-store.js";
import type { ClusterOptions } from "./options.js";
import { OwnedWork } from "./owned-work.js";

export const NODE_HEADER = "rivulet-node";

export class ClusterNode implements FenceSource {
  readonly nodeId: string;
  readonly work: OwnedWork;
  private readonly lease: string;
  private readonly forwarder: Forwarder;
  private readonly ownPool: pg.Pool | undefined;
  private readonly db: Queryable;
  private manager: LeaseManager | undefined;
  private url: string | undefined;
  private opened = false;

  constructor(
    private readonly options: ClusterOptions,
    private readonly logger: Logger,
    maxBodyBytes: number,
  ) {
    this.nodeId = options.nodeId ?? randomUUID();
    this.lease = options.lease ?? "leader";
    this.url = options.advertisedUrl;
    this.ownPool =
      typeof options.database === "string" ? new pg.Pool({ connectionString: options.database, max: 2 }) : undefined;
    this.ownPool?.on("error", (error) => logger.warn({ err: String(error) }, "lease connection failed"));
    this.db = this.ownPool ?? (options.database as Queryable);
    this.forwarder = new Forwarder({ nodeId: this.nodeId, maxBodyBytes });
    this.work = new OwnedWork(logger, () => void this.manager?.relinquish());
  }

  /** The address this node answers on, once known (startServer tells it after listening). */
  advertise(url: string): void {
    this.url ??= url;
    if (this.opened) this.startLeasing();
  }

  /** Called once the app has opened: from now on the node competes for the lease. */
  open(): void {
    this.opened = true;
    if (this.url !== undefined) this.startLeasing();
  }

  async close(): Promise<void> {
    this.opened = false;
    // The work stops before the lease is given up: no other node starts it while it still runs here.
    await this.work.stop();
    await this.manager?.stop();
    this.forwarder.close();
    await this.ownPool?.end();
  }

  current(): FenceToken | undefined {
    const view = this.manager?.view;
    return view?.kind === "held" ? { lease: this.lease, holder: this.nodeId, epoch: view.epoch } : undefined;
  }

  /** A singleton feature's route: served here while this node runs the work, else by the owner. */
  place(route: RouteSpec): RouteSpec {
    return {
      ...route,
      handle: (request, context, params) => this.dispatch(route, request, () => route.handle(request, context, params)),
    };
  }

  private dispatch(route: RouteSpec, request: HttpRequest, local: () => Promise<HttpReply>): Promise<HttpReply> {
    if (this.work.running) return local();
    const view = this.manager?.view ?? { kind: "unknown" as const };
    // Loop guard: a request another node forwarded is served here or refused, never sent on.
    if (view.kind === "other" && view.url !== undefined && request.header(FORWARDED_BY) === undefined) {
      return this.forwarder.forward(request, view.url);
    }
    return Promise.reject(
      new ProtocolError("UNAVAILABLE", `The node running ${route.operation} is changing; try again shortly`, {
        "retry-after": "1",
      }),
    );
  }

  private startLeasing(): void {
    if (this.manager || this.url === undefined) return;
    const manager = new LeaseManager({
      db: this.db,
      lease: this.lease,
      nodeId: this.nodeId,
      url: this.url,
      timing: { ...DEFAULT_LEASE_TIMING, ...this.options.leaseTiming },
      logger: this.logger,
    });
    manager.onChange((view, before) => {
      const { stop, start } = transition(before, view);
      this.logger.info({ node: this.nodeId, lease: this.lease, view: view.kind }, "lease view changed");
      if (stop) void this.work.stop();
      if (start && this.opened) void this.work.start();
    });
    this.manager = manager;
    manager.start();
  }
}
