import { controlEvent, frameJson, jsonDataLines, sseEvent, textDataLines } from "@rivulet/protocol";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { parseSse } from "./sse-parse.js";

const decoder = new TextDecoder();

/** SSE treats CR, LF and CRLF alike, so a text payload arrives with LF line breaks. */
const normaliseBreaks = (text: string) => text.replace(/\r\n|\r/g, "\n");

const textWithBreaksAndSpaces = fc.string({
  unit: fc.constantFrom("a", "b", " ", "  ", "\t", ":", "\n", "\r", "\r\n", "data:", "é", "😀"),
});

describe("sseEvent + textDataLines (PROTOCOL §5.8)", () => {
  test("property: data lines rejoined per the SSE rules equal the payload", () => {
    fc.assert(
      fc.property(textWithBreaksAndSpaces, (text) => {
        const events = parseSse(sseEvent("data", textDataLines(text)));
        expect(events).toEqual([{ event: "data", data: normaliseBreaks(text) }]);
      }),
      { numRuns: 500 },
    );
  });

  test("leading spaces survive the parser's one-space strip", () => {
    const wire = sseEvent("data", textDataLines("  two spaces\n one space\nnone"));
    expect(wire).toBe("event: data\ndata:   two spaces\ndata:  one space\ndata:none\n\n");
    expect(parseSse(wire)[0]!.data).toBe("  two spaces\n one space\nnone");
  });

  test("an empty payload is one empty data line", () => {
    expect(sseEvent("data", textDataLines(""))).toBe("event: data\ndata:\n\n");
    expect(parseSse(sseEvent("data", [""]))).toEqual([{ event: "data", data: "" }]);
  });

  test("textDataLines splits on CR, LF and CRLF", () => {
    expect(textDataLines("a\r\nb\rc\nd")).toEqual(["a", "b", "c", "d"]);
  });

  test("property: consecutive events parse back in order", () => {
    fc.assert(
      fc.property(fc.array(textWithBreaksAndSpaces, { maxLength: 5 }), (payloads) => {
        const wire = payloads.map((p) => sseEvent("data", textDataLines(p))).join("");
        expect(parseSse(wire).map((e) => e.data)).toEqual(payloads.map(normaliseBreaks));
      }),
    );
  });
});

describe("jsonDataLines", () => {
  test("property: a JSON data event parses to the stored messages", () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue({ maxDepth: 3, stringUnit: "grapheme" }), { maxLength: 6 }), (values) => {
        const stored = values.map((v) => decoder.decode(frameJson(new TextEncoder().encode(JSON.stringify([v]))).data));
        const [event] = parseSse(sseEvent("data", jsonDataLines(stored.join(""))));
        expect(JSON.parse(event!.data)).toEqual(JSON.parse(JSON.stringify(values)));
      }),
    );
  });

  test("lays out one message per line between brackets", () => {
    expect(jsonDataLines('{"k":"v"},\n{"k":"w"},\n')).toEqual(["[", '{"k":"v"},', '{"k":"w"}', "]"]);
    expect(jsonDataLines("")).toEqual(["[", "]"]);
  });
});

describe("base64 payloads", () => {
  test("property: base64 data lines decode to the original bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const base64 = Buffer.from(bytes).toString("base64");
        const [event] = parseSse(sseEvent("data", [base64]));
        const text = event!.data.replace(/[\r\n]/g, "");
        expect(text.length % 4).toBe(0);
        expect(new Uint8Array(Buffer.from(text, "base64"))).toEqual(bytes);
      }),
    );
  });
});

describe("controlEvent", () => {
  test("is a control event whose data is the JSON object", () => {
    const control = { streamNextOffset: "0000000000000000_0000000000000005", streamCursor: "12", upToDate: true };
    const wire = controlEvent(control);
    expect(wire.startsWith("event: control\n")).toBe(true);
    expect(parseSse(wire)).toEqual([{ event: "control", data: JSON.stringify(control) }]);
  });

  test("omits fields that are not set", () => {
    const [event] = parseSse(controlEvent({ streamNextOffset: "x", streamClosed: true }));
    expect(JSON.parse(event!.data)).toEqual({ streamNextOffset: "x", streamClosed: true });
  });
});
