/**
 * A minimal Server-Sent Events parser following the WHATWG "event stream interpretation"
 * rules, written independently of src/sse.ts so the tests check the builder against the spec.
 */
export interface ParsedEvent {
  event: string;
  data: string;
}

export function parseSse(text: string): ParsedEvent[] {
  const events: ParsedEvent[] = [];
  let event = "";
  let data = "";
  let hasData = false;
  // Lines end with CRLF, LF or CR.
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line === "") {
      if (hasData) events.push({ event: event || "message", data: data.endsWith("\n") ? data.slice(0, -1) : data });
      event = "";
      data = "";
      hasData = false;
      continue;
    }
    if (line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") event = value;
    else if (field === "data") {
      data += `${value}\n`;
      hasData = true;
    }
  }
  return events;
}
