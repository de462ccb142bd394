/**
 * What can be done to a stream from its page: append a message, fork it, close it, delete it.
 * Close and delete cannot be undone and ask first. Each action reports its outcome inline.
 */
import type { DurableStream } from "@rivulet/client";
import { useState } from "preact/hooks";
import { explain } from "../api/http.js";
import { streamUrl } from "../api/streams.js";
import { navigate } from "../lib/navigation.js";
import { streamHref } from "../lib/routes.js";
import { Confirm } from "./confirm.js";

export interface StreamActionsProps {
  readonly basePath: string;
  readonly name: string;
  readonly handle: DurableStream;
  readonly json: boolean;
  readonly closed: boolean;
  readonly nextOffset: string | undefined;
  readonly onChange: () => void;
}

type Pending = "close" | "delete" | undefined;

export function StreamActions({ basePath, name, handle, json, closed, nextOffset, onChange }: StreamActionsProps) {
  const [confirming, setConfirming] = useState<Pending>();
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string }>();
  const run = async (what: () => Promise<string>) => {
    try {
      setOutcome({ ok: true, text: await what() });
      onChange();
    } catch (error) {
      setOutcome({ ok: false, text: explain(error) });
    }
  };

  return (
    <section class="card actions-card">
      <AppendForm
        json={json}
        closed={closed}
        onAppend={(body) => run(async () => `Appended; the tail is now ${(await handle.append(body)).offset}`)}
      />
      <ForkForm
        name={name}
        nextOffset={nextOffset}
        onFork={(target, offset) =>
          run(async () => {
            const fork = await handle.createFork(streamUrl(basePath, target), offset ? { offset } : {});
            navigate(streamHref(target));
            return `Forked into ${target} at ${fork.offset}`;
          })
        }
      />
      <div class="row">
        <button type="button" data-action="close" disabled={closed} onClick={() => setConfirming("close")}>
          Close stream
        </button>
        <button type="button" class="danger" data-action="delete" onClick={() => setConfirming("delete")}>
          Delete stream
        </button>
      </div>
      {outcome && (
        <p
          class={outcome.ok ? "ok" : "error"}
          role={outcome.ok ? "status" : "alert"}
          data-outcome={outcome.ok ? "ok" : "error"}
        >
          {outcome.text}
        </p>
      )}
      {confirming === "close" && (
        <Confirm
          title={`Close ${name}?`}
          body="Readers will see the end of the stream, and no more appends will be accepted. This cannot be undone."
          action="Close stream"
          onCancel={() => setConfirming(undefined)}
          onConfirm={() => {
            setConfirming(undefined);
            void run(async () => `Closed at ${(await handle.close()).offset}`);
          }}
        />
      )}
      {confirming === "delete" && (
        <Confirm
          title={`Delete ${name}?`}
          body="The stream and its data are removed for every reader. This cannot be undone."
          action="Delete stream"
          onCancel={() => setConfirming(undefined)}
          onConfirm={() => {
            setConfirming(undefined);
            void run(async () => {
              await handle.delete();
              navigate("/ui/streams");
              return `Deleted ${name}`;
            });
          }}
        />
      )}
    </section>
  );
}

function AppendForm({
  json,
  closed,
  onAppend,
}: {
  json: boolean;
  closed: boolean;
  onAppend: (body: string) => Promise<void>;
}) {
  const [body, setBody] = useState("");
  const problem = json ? jsonProblem(body) : undefined;
  return (
    <form
      class="append"
      onSubmit={async (event) => {
        event.preventDefault();
        if (body === "" || problem) return;
        await onAppend(body);
        setBody("");
      }}
    >
      <label for="append-body">Append a message</label>
      <textarea
        id="append-body"
        rows={3}
        disabled={closed}
        placeholder={json ? '{"hello": "world"}   (an array appends each element)' : "text"}
        value={body}
        onInput={(event) => setBody(event.currentTarget.value)}
      />
      {problem && body !== "" && <p class="error small">{problem}</p>}
      <button
        type="submit"
        class="primary"
        data-action="append"
        disabled={closed || body === "" || problem !== undefined}
      >
        Append
      </button>
    </form>
  );
}

function ForkForm({
  name,
  nextOffset,
  onFork,
}: {
  name: string;
  nextOffset: string | undefined;
  onFork: (target: string, offset: string | undefined) => Promise<void>;
}) {
  const [target, setTarget] = useState(`${name}-fork`);
  const [offset, setOffset] = useState("");
  return (
    <form
      class="fork"
      onSubmit={(event) => {
        event.preventDefault();
        if (target.trim() !== "") void onFork(target.trim(), offset.trim() || undefined);
      }}
    >
      <label for="fork-target">Fork into</label>
      <input id="fork-target" value={target} onInput={(event) => setTarget(event.currentTarget.value)} />
      <div class="row">
        <input
          aria-label="Fork at offset"
          placeholder={nextOffset ? `at ${nextOffset} (the tail)` : "at the tail"}
          value={offset}
          onInput={(event) => setOffset(event.currentTarget.value)}
        />
        <button type="submit" data-action="fork">
          Fork
        </button>
      </div>
    </form>
  );
}

function jsonProblem(text: string): string | undefined {
  if (text.trim() === "") return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (Array.isArray(value) && value.length === 0) return "An empty array appends nothing.";
    return undefined;
  } catch (error) {
    return `Not JSON: ${(error as Error).message}`;
  }
}
