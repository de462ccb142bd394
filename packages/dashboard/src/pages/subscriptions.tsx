/**
 * Subscriptions (docs/subscriptions.md): every subscription in id order, a page of 100 at a
 * time, with its type, target, state, linked and pending streams, and when a failing one
 * retries; each opens its own page. Refreshed every five seconds.
 */
import { listSubscriptions, type SubscriptionSummary } from "../api/subscriptions.js";
import { usePolled } from "../api/use-polled.js";
import { Link, Pager, useRowKeys } from "../components/rows.js";
import { Empty, Failed, Loading } from "../components/states.js";
import { useConfig } from "../config-context.js";
import { formatAgo, formatCount } from "../lib/format.js";
import { detailHref } from "../lib/routes.js";

const REFRESH_MS = 5000;

export function Subscriptions({ search }: { search: URLSearchParams }) {
  const { basePath } = useConfig();
  const after = search.get("after") ?? undefined;
  const { data, failure, reload } = usePolled(() => listSubscriptions(basePath, after), REFRESH_MS, after);
  const rows = data?.subscriptions ?? [];
  const selected = useRowKeys(rows.length, (row) => rows[row] && detailHref("subscriptions", rows[row].id));
  const now = Date.now();
  return (
    <>
      <h1>Subscriptions</h1>
      {failure !== undefined && <Failed error={failure} retry={reload} />}
      {data === undefined && failure === undefined && <Loading what="subscriptions" />}
      {data !== undefined && rows.length === 0 && (
        <Empty title="No subscriptions yet">
          <p>
            Create one with <code>rivulet sub create</code> or <code>PUT {basePath}/__ds/subscriptions/&lt;id&gt;</code>
            ; it shows here.
          </p>
        </Empty>
      )}
      {rows.length > 0 && (
        <table class="grid" data-rows={rows.length}>
          <thead>
            <tr>
              <th>Subscription</th>
              <th>Type</th>
              <th>Target</th>
              <th>Streams</th>
              <th>State</th>
              <th class="num">Linked</th>
              <th class="num">Pending</th>
              <th class="num">Generation</th>
              <th>Next attempt</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((sub, row) => (
              <tr
                key={sub.id}
                data-subscription={sub.id}
                class={row === selected ? "selected" : undefined}
                aria-selected={row === selected}
              >
                <td>
                  <Link href={detailHref("subscriptions", sub.id)}>{sub.id}</Link>
                </td>
                <td>{sub.type}</td>
                <td class="muted">{targetOf(sub)}</td>
                <td class="muted">{sub.pattern ?? "explicit"}</td>
                <td>
                  <span class={`badge ${sub.status === "failed" ? "failed" : "live"}`}>{sub.status}</span>
                </td>
                <td class="num">{formatCount(sub.stream_count)}</td>
                <td class="num" data-pending={sub.pending_streams}>
                  {formatCount(sub.pending_streams)}
                </td>
                <td class="num">{sub.generation}</td>
                <td class="muted">
                  {sub.next_attempt_at === null ? "—" : formatIn(Date.parse(sub.next_attempt_at), now)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {data !== undefined && <Pager base="/ui/subscriptions" after={after} next={data.next} />}
    </>
  );
}

export function targetOf(sub: Pick<SubscriptionSummary, "webhook" | "wake_stream">): string {
  return sub.webhook?.url ?? (sub.wake_stream === null ? "—" : `wake stream ${sub.wake_stream}`);
}

/** A time still to come, as "in 12 s", or as an age once it passed. */
export function formatIn(at: number, now: number): string {
  if (at <= now) return formatAgo(at, now);
  const seconds = Math.ceil((at - now) / 1000);
  return seconds < 60 ? `in ${seconds} s` : `in ${Math.ceil(seconds / 60)} min`;
}
