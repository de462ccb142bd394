/**
 * One stream's page, at /ui/streams/<name> (shareable; `?from=now|-1|<offset>|t:<ms>` picks
 * where the tail starts): what the stream is, its live tail, and what can be done to it.
 */
import type { ComponentChildren } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import { extensions, TIME_INDEX } from "../api/capabilities.js";
import { usePoll } from "../api/poller.js";
import { streamEntry, streamHandle } from "../api/streams.js";
import { LiveTail, type Start } from "../components/live-tail.js";
import { Failed, Loading } from "../components/states.js";
import { StreamActions } from "../components/stream-actions.js";
import { useConfig } from "../config-context.js";
import { formatAgo, formatBytes, formatCount } from "../lib/format.js";
import { navigate, onLinkClick } from "../lib/navigation.js";
import { streamHref } from "../lib/routes.js";
import { expiryText, isJsonType, retentionText, type StreamEntry, streamName, streamState } from "../lib/streams.js";

const REFRESH_MS = 5000;

export function StreamPage({ name, search }: { name: string; search: URLSearchParams }) {
  const { basePath } = useConfig();
  const [entry, setEntry] = useState<StreamEntry | null | undefined>();
  const [failure, setFailure] = useState<unknown>();
  const [canSeekTime, setCanSeekTime] = useState(false);
  const [version, setVersion] = useState(0);
  const handle = useMemo(
    () => entry && streamHandle(basePath, name, entry.contentType),
    [basePath, name, entry?.contentType],
  );
  const start = startFrom(search.get("from"));

  // Size, tail and rate change as the stream is written: the metadata refreshes every few
  // seconds, and at once after an action on this page.
  usePoll(
    async () => {
      try {
        setEntry((await streamEntry(basePath, name)) ?? null);
        setFailure(undefined);
      } catch (error) {
        setFailure(error);
      }
    },
    REFRESH_MS,
    true,
    version,
  );
  useEffect(() => {
    extensions(basePath).then(
      (names) => setCanSeekTime(names.has(TIME_INDEX)),
      () => setCanSeekTime(false),
    );
  }, [basePath]);

  if (failure !== undefined) return <Failed error={failure} retry={() => setVersion((v) => v + 1)} />;
  if (entry === undefined) return <Loading what={name} />;
  if (entry === null || handle === undefined || handle === null) {
    return (
      <div class="state empty" data-state="missing">
        <h1>{name}</h1>
        <p>There is no stream by this name (it may have been deleted or expired).</p>
        <a href="/ui/streams" onClick={(event) => onLinkClick(event, "/ui/streams")}>
          All streams
        </a>
      </div>
    );
  }
  const state = streamState(entry);
  return (
    <>
      <header class="title">
        <h1>{name}</h1>
        <span class={`badge ${state}`} data-stream-state={state}>
          {state}
        </span>
      </header>
      <div class="stream-layout">
        <div>
          <Metadata entry={entry} basePath={basePath} />
          <StreamActions
            basePath={basePath}
            name={name}
            handle={handle}
            json={isJsonType(entry.contentType)}
            closed={entry.closed}
            nextOffset={entry.nextOffset}
            onChange={() => setVersion((v) => v + 1)}
          />
        </div>
        <LiveTail
          handle={handle}
          json={isJsonType(entry.contentType)}
          start={start}
          canSeekTime={canSeekTime}
          onStart={(next) => navigate(`${streamHref(name)}${fromParam(next)}`, { replace: true })}
        />
      </div>
    </>
  );
}

function Metadata({ entry, basePath }: { entry: StreamEntry; basePath: string }) {
  const activity = entry.activity;
  const now = Date.now();
  const rows: Array<[string, ComponentChildren]> = [
    ["Content type", entry.contentType],
    ["Size", formatBytes(entry.bytes)],
    ["Next offset", <code key="offset">{entry.nextOffset}</code>],
    [
      "Messages",
      activity?.messages == null ? "— (written before this server started)" : formatCount(activity.messages),
    ],
    ["Rate", activity ? `${formatCount(activity.messagesPerSecond)} messages/s` : "—"],
    ["Last write", formatAgo(activity?.lastWriteAt ? Date.parse(activity.lastWriteAt) : null, now)],
    ["Created", entry.createdAt.replace("T", " ").replace(/\.\d+Z$/, "Z")],
    ["Expires", expiryText(entry)],
    ["Retention", retentionText(entry)],
    [
      "Forked from",
      entry.forkedFrom === null ? (
        "—"
      ) : (
        <a
          key="source"
          href={streamHref(streamName(entry.forkedFrom, basePath))}
          onClick={(event) => onLinkClick(event, streamHref(streamName(entry.forkedFrom!, basePath)))}
        >
          {streamName(entry.forkedFrom, basePath)}
        </a>
      ),
    ],
    ["Forks", String(entry.forks)],
  ];
  return (
    <section class="card">
      <h2>Metadata</h2>
      <dl class="meta">
        {rows.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

/** `?from=` of the address: `now`, `-1` (the beginning, the default), `t:<ms>`, or an offset. */
export function startFrom(value: string | null): Start {
  if (value === null || value === "-1" || value === "") return { kind: "beginning" };
  if (value === "now") return { kind: "now" };
  if (value.startsWith("t:") && Number.isFinite(Number(value.slice(2))))
    return { kind: "time", at: Number(value.slice(2)) };
  return { kind: "offset", offset: value };
}

function fromParam(start: Start): string {
  switch (start.kind) {
    case "beginning":
      return "";
    case "now":
      return "?from=now";
    case "offset":
      return `?from=${encodeURIComponent(start.offset)}`;
    case "time":
      return `?from=t:${start.at}`;
  }
}
