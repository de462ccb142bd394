/**
 * A JSON value as a tree: objects and arrays fold and unfold (keyboard too: they are buttons),
 * long strings are cut with the rest a click away. Values render as text, never as HTML.
 */
import { useState } from "preact/hooks";

const LONG_STRING = 200;

export function JsonView({ value, open = true }: { value: unknown; open?: boolean }) {
  return (
    <div class="json">
      <Node value={value} open={open} />
    </div>
  );
}

function Node({ value, open }: { value: unknown; open: boolean }) {
  if (value === null) return <span class="j-null">null</span>;
  if (typeof value === "string") return <StringValue text={value} />;
  if (typeof value === "number") return <span class="j-number">{String(value)}</span>;
  if (typeof value === "boolean") return <span class="j-bool">{String(value)}</span>;
  if (Array.isArray(value))
    return <Branch entries={value.map((item, i) => [String(i), item])} brackets="[]" open={open} />;
  return <Branch entries={Object.entries(value as object)} brackets="{}" open={open} keys />;
}

function Branch({
  entries,
  brackets,
  open,
  keys = false,
}: {
  entries: [string, unknown][];
  brackets: string;
  open: boolean;
  keys?: boolean;
}) {
  const [expanded, setExpanded] = useState(open && entries.length <= 50);
  if (entries.length === 0) return <span class="j-punct">{brackets}</span>;
  return (
    <span>
      <button type="button" class="j-toggle" aria-expanded={expanded} onClick={() => setExpanded(!expanded)}>
        {brackets[0]}
        {!expanded && <span class="muted"> {entries.length} … </span>}
        {!expanded && brackets[1]}
      </button>
      {expanded && (
        <>
          <ul>
            {entries.map(([key, item]) => (
              <li key={key}>
                {keys && <span class="j-key">{JSON.stringify(key)}: </span>}
                <Node value={item} open={false} />
              </li>
            ))}
          </ul>
          <span class="j-punct">{brackets[1]}</span>
        </>
      )}
    </span>
  );
}

function StringValue({ text }: { text: string }) {
  const [whole, setWhole] = useState(false);
  if (text.length <= LONG_STRING || whole) return <span class="j-string">{JSON.stringify(text)}</span>;
  return (
    <span class="j-string">
      {JSON.stringify(text.slice(0, LONG_STRING))}
      <button type="button" class="link" onClick={() => setWhole(true)}>
        … {text.length - LONG_STRING} more characters
      </button>
    </span>
  );
}
