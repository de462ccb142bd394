/**
 * `rivulet serve`: run the server until SIGINT/SIGTERM, then stop gracefully.
 * Settings come from flags, then RIVULET_* environment variables, then a JSON config file
 * (`--config`), then defaults.
 */
import {
  createLogger,
  DataDirLockedError,
  DEFAULT_PORT,
  type LogLevel,
  type RivuletServer,
  SchemaOutdatedError,
  SchemaTooNewError,
  StoreDamagedError,
  StoreFullError,
  StoreUnavailableError,
  startServer,
} from "@rivulet/server";
import { Command, Option } from "commander";
import { type ClusterFlags, clusterFlagOptions, clusterSettings } from "../cluster/serve-flags.js";
import { EXIT } from "../exit-codes.js";
import { listenFailure } from "../listen-failure.js";
import { startOtel } from "../otel.js";
import { removePidFile, writePidFile } from "../pid-file.js";
import { checkExposure, loadAuth } from "../serve-auth.js";
import { applyConfigFile } from "../serve-config-file.js";
import { type ServeSettings, serveOptions } from "../serve-settings.js";
import { openStore } from "../store-choice.js";
import { packageVersion } from "../version.js";

/** Hard limit for a graceful stop; past it the process exits anyway. */
const SHUTDOWN_LIMIT_MS = 10_000;

export function serveCommand(): Command {
  const command = new Command("serve").description("Run a Durable Streams server");
  for (const option of [...serveOptions(), ...clusterFlagOptions()]) command.addOption(option);
  return command
    .addOption(
      new Option("--config <file>", "JSON file with any of these settings (camelCase keys)").env("RIVULET_CONFIG"),
    )
    .addHelpText(
      "after",
      `
Every flag can also be set as RIVULET_<FLAG> (e.g. RIVULET_PORT=8080) or in the --config file.

Examples:
  rivulet serve                                # http://127.0.0.1:${DEFAULT_PORT}, data in ./data, fsync before every ack
  rivulet serve --port 8080 --data-dir /var/lib/rivulet
  rivulet serve --durability interval:5        # fsync every 5 ms instead of before every ack
  rivulet serve --store memory --log-level warn
  rivulet serve --store postgres://rivulet:secret@db:5432/rivulet   # nodes sharing one PostgreSQL
                                               # (applies schema migrations at start; --no-migrate)
  rivulet serve --config rivulet.json
  rivulet serve --retention-ms 7d --retention-bytes 10GiB   # defaults for streams without their own
  rivulet serve --pid-file rivulet.pid         # then: rivulet bench --pid "$(cat rivulet.pid)"
  rivulet serve --host 0.0.0.0 --auth-tokens-file tokens.json   # beyond loopback, auth is required
  rivulet serve --webhook-allow localhost,127.0.0.1             # webhooks to local receivers (development)`,
    )
    .action(async (flags: ServeSettings & ClusterFlags & { config?: string }, cmd: Command) => {
      const settings = flags.config ? await applyConfigFile(cmd, flags.config) : flags;
      await serve({ ...settings, nodeId: flags.nodeId, advertiseUrl: flags.advertiseUrl });
    });
}

async function serve(settings: ServeSettings & ClusterFlags): Promise<void> {
  const auth = await loadAuth(settings);
  // Checked before anything opens, so a refused start leaves no data directory or lock behind.
  checkExposure(settings, auth);
  const logger = createLogger(settings.logLevel as LogLevel);
  const otel = settings.otel ? await startOtel(packageVersion()) : undefined;
  const store = openStore(
    settings.store,
    settings.dataDir,
    settings.durability,
    settings.segmentSize,
    settings.migrate,
  );
  const server = await refusingBadDataDir(() =>
    startServer({
      host: settings.host,
      port: settings.port,
      store,
      basePath: settings.basePath,
      chunkBytes: settings.chunkSize,
      maxBodyBytes: settings.maxBody,
      longPollTimeoutMs: settings.longPollTimeout,
      sseLifetimeMs: settings.sseLifetime,
      corsOrigins: settings.corsOrigins,
      logger,
      ...(auth ? { auth } : {}),
      maxMessageBytes: settings.maxMessage,
      maxPathBytes: settings.maxPathLength,
      maxStreams: settings.maxStreams,
      maxLiveConnections: settings.maxLiveConnections,
      maxLiveConnectionsPerClient: settings.maxLiveConnectionsPerClient,
      rateLimitPerClient: settings.rateLimitPerClient,
      ...(settings.rateLimitPerClientBurst === undefined
        ? {}
        : { rateLimitPerClientBurst: settings.rateLimitPerClientBurst }),
      rateLimitPerToken: settings.rateLimitPerToken,
      ...(settings.rateLimitPerTokenBurst === undefined
        ? {}
        : { rateLimitPerTokenBurst: settings.rateLimitPerTokenBurst }),
      trustProxy: settings.trustProxy ?? false,
      headersTimeoutMs: settings.headersTimeout,
      requestTimeoutMs: settings.requestTimeout,
      bodyIdleTimeoutMs: settings.bodyIdleTimeout,
      slowReaderTimeoutMs: settings.slowReaderTimeout,
      maxHeaderBytes: settings.maxHeaderSize,
      ui: settings.ui,
      ...(otel ? { tracing: otel.tracing } : {}),
      retentionMs: settings.retentionMs,
      retentionBytes: settings.retentionBytes,
      webhookAllow: settings.webhookAllow,
      ...(settings.publicUrl === undefined ? {} : { publicUrl: settings.publicUrl }),
      ...(settings.subscriptions === undefined ? {} : { subscriptions: settings.subscriptions }),
      ...(settings.topics === undefined ? {} : { topics: settings.topics }),
      ...(settings.groups === undefined ? {} : { groups: settings.groups }),
      ...(settings.transactions === undefined ? {} : { transactions: settings.transactions }),
      ...clusterSettings(settings.store, settings),
    }).catch(async (error: unknown) => {
      const failure = listenFailure(error, settings.host, settings.port);
      if (!failure) throw error;
      // The store opened before the socket failed: release its files (and lock) before exiting.
      await store.close().catch(() => {});
      throw failure;
    }),
  );
  if (!server) return;
  if (settings.pidFile !== undefined) {
    await writePidFile(settings.pidFile).catch(async (error: unknown) => {
      await server.close();
      throw error;
    });
  }
  const streams = `${server.url}${settings.basePath}/`;
  process.stderr.write(
    `rivulet listening on ${streams}\nstore: ${store.description} (durability: ${store.durability})\n` +
      `auth: ${auth ? "bearer tokens required" : "off"}\n` +
      (settings.ui ? `dashboard: ${server.url}/ui${auth ? " (asks for a token)" : ""}\n` : "") +
      (otel ? "tracing: spans exported over OTLP/HTTP (OTEL_* variables)\n" : ""),
  );
  if (!auth && settings.insecure) {
    process.stderr.write(
      `warning: --insecure: anyone who can reach ${settings.host} can read and write every stream\n`,
    );
  }
  logger.info({ url: streams, store: store.description, durability: store.durability }, "listening");

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    setTimeout(() => {
      logger.error({}, "graceful shutdown took too long; exiting");
      process.exit(1);
    }, SHUTDOWN_LIMIT_MS).unref();
    // Spans still queued are exported once requests have drained.
    const closed = server.close({ graceMs: SHUTDOWN_LIMIT_MS - 3_000 }).then(() => otel?.shutdown());
    const pidFileRemoved = settings.pidFile === undefined ? undefined : removePidFile(settings.pidFile);
    Promise.all([closed, pidFileRemoved]).then(
      () => {
        logger.info({}, "stopped");
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: String(error) }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", () => stop("SIGINT"));
  process.once("SIGTERM", () => stop("SIGTERM"));
}

/**
 * A data directory another process holds, one the store will not open without guessing, or
 * one it cannot recover for want of space — or a PostgreSQL store's database that cannot be
 * reached or whose schema is not this release's — is one line naming it and a distinct exit
 * code.
 */
async function refusingBadDataDir(start: () => Promise<RivuletServer>): Promise<RivuletServer | undefined> {
  try {
    return await start();
  } catch (error) {
    const known =
      error instanceof DataDirLockedError ||
      error instanceof StoreDamagedError ||
      error instanceof StoreUnavailableError ||
      error instanceof SchemaTooNewError ||
      error instanceof SchemaOutdatedError;
    if (!known && !(error instanceof StoreFullError)) throw error;
    process.stderr.write(`rivulet: ${error.code}: ${error.message.replace(/\s*\n\s*/g, " ")}\n`);
    process.exitCode = error instanceof StoreDamagedError ? EXIT.damaged : EXIT.unavailable;
    return undefined;
  }
}
