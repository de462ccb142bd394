/**
 * Resetting a group's offsets: to the earliest message, the latest, or a time, for all of the
 * group's topics or one; confirmed first. The server refuses while the group has members
 * (409 GROUP_NOT_EMPTY) and the page shows its refusal as it is; the page does not second-guess it.
 */
import { useState } from "preact/hooks";
import { type ResetTarget, resetOffsets } from "../api/groups.js";
import { explain } from "../api/http.js";
import { Confirm } from "../components/confirm.js";

type To = "earliest" | "latest" | "time";

export interface ResetProps {
  readonly basePath: string;
  readonly group: string;
  readonly topics: readonly string[];
  readonly members: number;
  readonly onDone: () => void;
}

export function ResetOffsets({ basePath, group, topics, members, onDone }: ResetProps) {
  const [topic, setTopic] = useState("");
  const [to, setTo] = useState<To>("earliest");
  const [time, setTime] = useState("");
  const [confirming, setConfirming] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | undefined>();
  const chosen = topic === "" ? [...topics] : [topic];
  const target: ResetTarget = to === "time" ? { at: new Date(time).toISOString() } : to;
  const run = async () => {
    setConfirming(false);
    try {
      await resetOffsets(basePath, group, chosen, target);
      setResult({ ok: true, text: `Offsets of ${chosen.join(", ")} reset to ${describe(to, time)}.` });
      onDone();
    } catch (error) {
      setResult({ ok: false, text: explain(error) });
    }
  };
  return (
    <section class="card actions-card" style={{ marginTop: "14px" }}>
      <h2>Reset offsets</h2>
      <p class="muted">
        Only while the group has no members: stop its consumers first.
        {members > 0 ? ` It has ${members} now, so the server will refuse.` : ""}
      </p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          setResult(undefined);
          setConfirming(true);
        }}
      >
        <div class="row">
          <select aria-label="Topic" value={topic} onChange={(event) => setTopic(event.currentTarget.value)}>
            <option value="">every topic of the group</option>
            {topics.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
          <select aria-label="Reset to" value={to} onChange={(event) => setTo(event.currentTarget.value as To)}>
            <option value="earliest">the earliest message</option>
            <option value="latest">the latest (skip everything)</option>
            <option value="time">a time</option>
          </select>
          {to === "time" && (
            <input
              type="datetime-local"
              aria-label="Time"
              required
              value={time}
              onInput={(event) => setTime(event.currentTarget.value)}
            />
          )}
          <button type="submit" class="danger" disabled={chosen.length === 0}>
            Reset…
          </button>
        </div>
      </form>
      {result && (
        <p
          class={result.ok ? "muted" : "refusal"}
          role={result.ok ? "status" : "alert"}
          data-reset={result.ok ? "done" : "refused"}
        >
          {result.text}
        </p>
      )}
      {confirming && (
        <Confirm
          title="Reset offsets?"
          body={`The group ${group} will consume ${chosen.join(", ")} from ${describe(to, time)}. Its committed offsets are replaced.`}
          action="Reset offsets"
          onConfirm={run}
          onCancel={() => setConfirming(false)}
        />
      )}
    </section>
  );
}

function describe(to: To, time: string): string {
  if (to === "earliest") return "the earliest message";
  if (to === "latest") return "the latest offset";
  return new Date(time).toLocaleString();
}
