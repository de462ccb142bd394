/**
 * The streams list: pages of 100 from the server's ordered listing, filtered by a name prefix
 * (the listing's own index: instant at any number of streams) or by text anywhere in the name
 * (the server scans at most 10,000 streams per request and says where to go on). Everything is
 * in the address, so a page of results can be shared; it refreshes every five seconds.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { usePoll } from "../api/poller.js";
import { listStreams, PAGE_SIZE, type StreamPage } from "../api/streams.js";
import { Empty, Failed, Loading } from "../components/states.js";
import { useConfig } from "../config-context.js";
import { formatAgo, formatBytes, formatCount } from "../lib/format.js";
import { useShortcuts } from "../lib/keys.js";
import { navigate, onLinkClick } from "../lib/navigation.js";
import { streamHref } from "../lib/routes.js";
import { expiryText, retentionText, type StreamEntry, streamName, streamState } from "../lib/streams.js";

const REFRESH_MS = 5000;
const TYPING_MS = 250;

type Match = "prefix" | "contains";

export function Streams({ search }: { search: URLSearchParams }) {
  const { basePath } = useConfig();
  const text = search.get("q") ?? "";
  const match: Match = search.get("match") === "contains" ? "contains" : "prefix";
  const after = search.get("after") ?? undefined;
  const [page, setPage] = useState<StreamPage | undefined>();
  const [failure, setFailure] = useState<unknown>();
  const [selected, setSelected] = useState(0);
  const [draft, setDraft] = useState(text);
  const input = useRef<HTMLInputElement>(null);
  const key = `${text}\n${match}\n${after ?? ""}`;

  const load = async () => {
    try {
      const query = match === "prefix" ? { prefix: text } : { search: text };
      setPage(await listStreams({ basePath, ...query, after }));
      setFailure(undefined);
    } catch (error) {
      setFailure(error);
    }
  };
  useEffect(() => {
    setPage(undefined);
    setSelected(0);
  }, [key]);
  usePoll(load, REFRESH_MS, true, key);

  // Typing narrows the list after a pause; the address follows, replacing rather than piling up history.
  useEffect(() => {
    if (draft === text) return;
    const timer = setTimeout(() => navigate(listHref(draft, match, undefined), { replace: true }), TYPING_MS);
    return () => clearTimeout(timer);
  }, [draft]);

  const rows = page?.streams ?? [];
  useShortcuts({
    "/": () => input.current?.focus(),
    j: () => setSelected((row) => Math.min(rows.length - 1, row + 1)),
    k: () => setSelected((row) => Math.max(0, row - 1)),
    Enter: () => {
      const entry = rows[selected];
      if (entry) navigate(streamHref(streamName(entry.path, basePath)));
    },
  });

  return (
    <>
      <h1>Streams</h1>
      <form class="toolbar" onSubmit={(event) => event.preventDefault()}>
        <input
          ref={input}
          type="search"
          aria-label="Filter streams"
          placeholder={match === "prefix" ? "Names starting with…  (/)" : "Names containing…  (/)"}
          value={draft}
          onInput={(event) => setDraft(event.currentTarget.value)}
          onKeyDown={(event) => event.key === "Escape" && input.current?.blur()}
        />
        <select
          aria-label="Match"
          value={match}
          onChange={(event) => navigate(listHref(draft, event.currentTarget.value as Match, undefined))}
        >
          <option value="prefix">starts with</option>
          <option value="contains">contains</option>
        </select>
      </form>
      {failure !== undefined && <Failed error={failure} retry={load} />}
      {page === undefined && failure === undefined && <Loading what="streams" />}
      {page !== undefined && rows.length === 0 && <NoRows text={text} match={match} page={page} after={after} />}
      {rows.length > 0 && <Table rows={rows} basePath={basePath} selected={selected} />}
      {page !== undefined && <Pager page={page} after={after} text={text} match={match} shown={rows.length} />}
    </>
  );
}

function Table({ rows, basePath, selected }: { rows: StreamEntry[]; basePath: string; selected: number }) {
  const now = Date.now();
  return (
    <table class="grid streams" data-rows={rows.length}>
      <thead>
        <tr>
          <th>Name</th>
          <th>Content type</th>
          <th class="num">Size</th>
          <th class="num">Messages</th>
          <th class="num">Rate</th>
          <th>Last write</th>
          <th>State</th>
          <th>Expires</th>
          <th>Retention</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((entry, row) => {
          const name = streamName(entry.path, basePath);
          const href = streamHref(name);
          const state = streamState(entry);
          const activity = entry.activity;
          return (
            <tr key={entry.path} class={row === selected ? "selected" : undefined} aria-selected={row === selected}>
              <td>
                <a href={href} onClick={(event) => onLinkClick(event, href)}>
                  {name}
                </a>
              </td>
              <td class="muted">{entry.contentType}</td>
              <td class="num">{formatBytes(entry.bytes)}</td>
              <td class="num">{formatCount(activity?.messages)}</td>
              <td class="num">{activity ? `${formatCount(activity.messagesPerSecond)}/s` : "—"}</td>
              <td>{formatAgo(activity?.lastWriteAt ? Date.parse(activity.lastWriteAt) : null, now)}</td>
              <td>
                <span class={`badge ${state}`}>{state}</span>
              </td>
              <td class="muted">{expiryText(entry)}</td>
              <td class="muted">{retentionText(entry)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function NoRows({
  text,
  match,
  page,
  after,
}: {
  text: string;
  match: Match;
  page: StreamPage;
  after?: string | undefined;
}) {
  if (text === "" && after === undefined) {
    return (
      <Empty title="No streams yet">
        <p>
          Create one with <code>rivulet create &lt;name&gt;</code> or a <code>PUT</code> to its URL; it shows here.
        </p>
      </Empty>
    );
  }
  if (match === "contains" && page.next !== null) {
    return (
      <Empty title={`No match among the ${formatCount(page.scanned ?? 0)} streams searched so far`}>
        <p>The search goes through the streams in steps; go on to search the next ones.</p>
      </Empty>
    );
  }
  return (
    <Empty title={match === "prefix" ? `No stream names start with “${text}”` : `No stream names contain “${text}”`} />
  );
}

function Pager({
  page,
  after,
  text,
  match,
  shown,
}: {
  page: StreamPage;
  after: string | undefined;
  text: string;
  match: Match;
  shown: number;
}) {
  const next = page.next;
  const searching = match === "contains" && text !== "";
  return (
    <nav class="pager" aria-label="Pages">
      <span class="muted">
        {shown} shown{searching && page.scanned !== undefined ? `, ${formatCount(page.scanned)} searched` : ""}
        {shown === PAGE_SIZE || next !== null ? "" : " (the end)"}
      </span>
      {after !== undefined && (
        <a
          href={listHref(text, match, undefined)}
          onClick={(event) => onLinkClick(event, listHref(text, match, undefined))}
        >
          First page
        </a>
      )}
      {next !== null && (
        <a
          href={listHref(text, match, next)}
          rel="next"
          onClick={(event) => onLinkClick(event, listHref(text, match, next))}
        >
          {searching ? "Search further" : "Next page"}
        </a>
      )}
    </nav>
  );
}

function listHref(text: string, match: Match, after: string | undefined): string {
  const params = new URLSearchParams();
  if (text !== "") params.set("q", text);
  if (match !== "prefix") params.set("match", match);
  if (after !== undefined) params.set("after", after);
  const query = params.toString();
  return query === "" ? "/ui/streams" : `/ui/streams?${query}`;
}
