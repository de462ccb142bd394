/**
 * A subscription's page (`/ui/subscriptions/<id>`): its configuration and state, the wake in
 * flight and the retry it waits for, its linked streams with their cursors, and the recent
 * delivery attempts (what this server saw since it started) with their outcome and retry.
 * Refreshed every two seconds.
 */
import { getSubscription, subscriptionDeliveries } from "../api/subscriptions.js";
import { usePolled } from "../api/use-polled.js";
import { Link } from "../components/rows.js";
import { Stat } from "../components/stat.js";
import { Empty, Failed, Loading } from "../components/states.js";
import { useConfig } from "../config-context.js";
import { formatAgo, formatCount, formatMs } from "../lib/format.js";
import { streamHref } from "../lib/routes.js";
import { formatIn, targetOf } from "./subscriptions.js";

const REFRESH_MS = 2000;

export function SubscriptionPage({ name }: { name: string }) {
  const { basePath } = useConfig();
  const { data, failure, reload } = usePolled(
    async () => {
      const [sub, deliveries] = await Promise.all([
        getSubscription(basePath, name),
        subscriptionDeliveries(basePath, name),
      ]);
      return { sub, deliveries };
    },
    REFRESH_MS,
    name,
  );
  if (data === undefined) {
    return (
      <>
        <h1>{name}</h1>
        {failure === undefined ? <Loading what="the subscription" /> : <Failed error={failure} retry={reload} />}
      </>
    );
  }
  const { sub, deliveries } = data;
  const now = Date.now();
  return (
    <>
      <div class="title">
        <h1>{sub.id}</h1>
        <span class={`badge ${sub.status === "failed" ? "failed" : "live"}`} data-status={sub.status}>
          {sub.status}
        </span>
      </div>
      {failure !== undefined && <Failed error={failure} retry={reload} />}
      <section class="stats" aria-label="Subscription">
        <Stat label="Type" value={sub.type} />
        <Stat label="Pending streams" value={formatCount(deliveries.pending_streams)} />
        <Stat label="Generation" value={String(deliveries.generation)} />
        <Stat
          label="Retry"
          value={
            deliveries.retry === null
              ? "none"
              : `#${deliveries.retry.attempt} ${formatIn(Date.parse(deliveries.retry.next_attempt_at), now)}`
          }
        />
      </section>
      <section class="card">
        <dl class="meta">
          <div>
            <dt>Target</dt>
            <dd>{targetOf(sub)}</dd>
          </div>
          <div>
            <dt>Pattern</dt>
            <dd>{sub.pattern ?? "—"}</dd>
          </div>
          <div>
            <dt>Lease</dt>
            <dd>{formatMs(sub.lease_ttl_ms)}</dd>
          </div>
          <div>
            <dt>Wake in flight</dt>
            <dd>
              {deliveries.wake === null
                ? "none"
                : `generation ${deliveries.wake.generation}, issued ${formatAgo(Date.parse(deliveries.wake.issued_at), now)}${
                    deliveries.wake.holder === null ? "" : `, held by ${deliveries.wake.holder}`
                  }`}
            </dd>
          </div>
          {sub.description !== null && (
            <div>
              <dt>Description</dt>
              <dd>{sub.description}</dd>
            </div>
          )}
        </dl>
      </section>
      <div class="two-columns">
        <section class="card">
          <h2>Recent deliveries</h2>
          {deliveries.deliveries.length === 0 ? (
            <p class="muted">None since the server started.</p>
          ) : (
            <table class="grid" data-rows={deliveries.deliveries.length}>
              <thead>
                <tr>
                  <th>When</th>
                  <th class="num">Gen</th>
                  <th>Outcome</th>
                  <th class="num">Took</th>
                  <th>Retry</th>
                </tr>
              </thead>
              <tbody>
                {deliveries.deliveries.map((attempt) => (
                  <tr key={`${attempt.wake_id}-${attempt.at}`} data-outcome={attempt.outcome}>
                    <td class="muted">{formatAgo(Date.parse(attempt.at), now)}</td>
                    <td class="num">{attempt.generation}</td>
                    <td>
                      <span class={`badge ${failed(attempt.outcome) ? "failed" : "live"}`}>{attempt.outcome}</span>{" "}
                      <span class="muted">
                        {attempt.detail ?? (attempt.status === null ? "" : `answered ${attempt.status}`)}
                      </span>
                    </td>
                    <td class="num">{formatMs(attempt.ms)}</td>
                    <td class="muted">
                      {attempt.retry === null
                        ? "—"
                        : `#${attempt.retry.attempt} at ${new Date(attempt.retry.next_attempt_at).toLocaleTimeString()}`}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
        <section class="card">
          <h2>Streams</h2>
          {sub.streams.length === 0 ? (
            <Empty title="No linked streams">
              <p>Streams the pattern matches are linked as they are created.</p>
            </Empty>
          ) : (
            <table class="grid" data-rows={sub.streams.length}>
              <thead>
                <tr>
                  <th>Stream</th>
                  <th>Link</th>
                  <th>Acked to</th>
                </tr>
              </thead>
              <tbody>
                {sub.streams.map((link) => (
                  <tr key={link.path}>
                    <td>
                      <Link href={streamHref(link.path)}>{link.path}</Link>
                    </td>
                    <td class="muted">{link.link_type}</td>
                    <td class="mono muted">{link.acked_offset}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>
    </>
  );
}

function failed(outcome: string): boolean {
  return !["done", "accepted", "written"].includes(outcome);
}
