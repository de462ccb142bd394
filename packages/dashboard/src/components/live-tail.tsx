/**
 * A stream's live tail over SSE (through @rivulet/client, so the token travels as a header,
 * which EventSource cannot do): from the beginning, from now, from an offset or from a time,
 * newest first, the last 500 messages kept. Pause ends the session and remembers the offset;
 * resume reads on from there, so nothing is missed or shown twice.
 */
import type { DurableStream } from "@rivulet/client";
import { useEffect, useRef, useState } from "preact/hooks";
import { offsetAt } from "../api/capabilities.js";
import { explain } from "../api/http.js";
import { useShortcuts } from "../lib/keys.js";
import { JsonView } from "./json-view.js";

const KEEP = 500;

export type Start =
  | { kind: "beginning" }
  | { kind: "now" }
  | { kind: "offset"; offset: string }
  | { kind: "time"; at: number };

interface Message {
  readonly id: number;
  readonly offset: string;
  readonly value: unknown;
  readonly text: string;
  readonly json: boolean;
}

export interface LiveTailProps {
  readonly handle: DurableStream;
  readonly json: boolean;
  readonly start: Start;
  readonly canSeekTime: boolean;
  readonly onStart: (start: Start) => void;
}

export function LiveTail({ handle, json, start, canSeekTime, onStart }: LiveTailProps) {
  const [messages, setMessages] = useState<Message[]>([]);
  const [paused, setPaused] = useState(false);
  const [state, setState] = useState<"connecting" | "live" | "closed" | "paused" | "failed">("connecting");
  const [failure, setFailure] = useState<string>();
  const resumeAt = useRef<string | undefined>(undefined);
  const nextId = useRef(0);
  // The parent makes a new `start` object each render: follow its value, not its identity.
  const startKey = JSON.stringify(start);

  useEffect(() => {
    setMessages([]);
    resumeAt.current = undefined;
    setPaused(false);
  }, [startKey]);

  useEffect(() => {
    if (paused) {
      setState("paused");
      return;
    }
    const controller = new AbortController();
    setState("connecting");
    setFailure(undefined);
    (async () => {
      const offset = resumeAt.current ?? (await startOffset(handle, start));
      const response = await handle.stream({ offset, live: "sse", signal: controller.signal });
      setState("live");
      for await (const batch of response) {
        resumeAt.current = batch.offset;
        const arrived = json
          ? batch.items.map((value, i) => message(value, JSON.stringify(value), true, i === batch.items.length - 1))
          : batch.data.length > 0
            ? [message(batch.text, batch.text, false, true)]
            : [];
        if (arrived.length > 0) setMessages((held) => [...arrived.reverse(), ...held].slice(0, KEEP));
        if (batch.closed) setState("closed");
      }
    })().catch((error: unknown) => {
      if (controller.signal.aborted) return;
      setState("failed");
      setFailure(explain(error));
    });
    return () => controller.abort();

    /** The batch's offset shows on its newest message only: it is where the batch ends. */
    function message(value: unknown, text: string, isJson: boolean, last: boolean): Message {
      return { id: nextId.current++, offset: last ? (resumeAt.current ?? "") : "", value, text, json: isJson };
    }
  }, [handle, startKey, paused]);

  useShortcuts({ p: () => setPaused((was) => !was) });

  return (
    <section class="card tail" data-tail-state={state}>
      <header>
        <h2>Live tail</h2>
        <span class={`badge ${state}`} role="status">
          {state}
        </span>
        <StartPicker start={start} canSeekTime={canSeekTime} onStart={onStart} />
        <button type="button" data-action="pause" onClick={() => setPaused(!paused)} disabled={state === "closed"}>
          {paused ? "Resume" : "Pause"}
        </button>
      </header>
      {failure !== undefined && (
        <p class="error" role="alert">
          {failure}
        </p>
      )}
      {messages.length === 0 && state !== "failed" && (
        <p class="muted" data-state="empty">
          {state === "closed" ? "The stream is closed; nothing more will arrive." : "Waiting for messages…"}
        </p>
      )}
      <ol class="messages" aria-live="polite">
        {messages.map((m) => (
          <li key={m.id} data-message>
            {m.offset !== "" && (
              <span class="offset muted" title="The offset after this batch: read on from here">
                {m.offset}
              </span>
            )}
            {m.json ? <JsonView value={m.value} /> : <pre>{m.text}</pre>}
          </li>
        ))}
      </ol>
    </section>
  );
}

async function startOffset(handle: DurableStream, start: Start): Promise<string> {
  switch (start.kind) {
    case "beginning":
      return "-1";
    case "now":
      return "now";
    case "offset":
      return start.offset;
    case "time":
      return offsetAt(handle.url, start.at);
  }
}

function StartPicker({
  start,
  canSeekTime,
  onStart,
}: {
  start: Start;
  canSeekTime: boolean;
  onStart: (start: Start) => void;
}) {
  const [offset, setOffset] = useState(start.kind === "offset" ? start.offset : "");
  const [time, setTime] = useState("");
  return (
    <form
      class="start"
      onSubmit={(event) => {
        event.preventDefault();
        if (start.kind === "offset" && offset !== "") onStart({ kind: "offset", offset });
        if (start.kind === "time" && time !== "") onStart({ kind: "time", at: new Date(time).getTime() });
      }}
    >
      <select
        aria-label="Read from"
        value={start.kind}
        onChange={(event) => {
          const kind = event.currentTarget.value as Start["kind"];
          if (kind === "beginning" || kind === "now") onStart({ kind });
          else if (kind === "offset") onStart({ kind, offset: offset || "-1" });
          else onStart({ kind, at: time === "" ? Date.now() - 3_600_000 : new Date(time).getTime() });
        }}
      >
        <option value="beginning">from the beginning</option>
        <option value="now">from now</option>
        <option value="offset">from an offset</option>
        <option
          value="time"
          disabled={!canSeekTime}
          title={canSeekTime ? undefined : "This server does not offer the time index (the point-in-time extension)"}
        >
          {canSeekTime ? "from a time" : "from a time (not offered)"}
        </option>
      </select>
      {start.kind === "offset" && (
        <input
          aria-label="Offset"
          placeholder="0000000000000000_0000000000000000"
          value={offset}
          onInput={(event) => setOffset(event.currentTarget.value)}
        />
      )}
      {start.kind === "time" && (
        <input
          aria-label="Time"
          type="datetime-local"
          value={time}
          onInput={(event) => setTime(event.currentTarget.value)}
        />
      )}
      {(start.kind === "offset" || start.kind === "time") && <button type="submit">Go</button>}
    </form>
  );
}
