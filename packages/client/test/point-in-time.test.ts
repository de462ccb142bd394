/**
 * Where a read starts (docs/extensions.md, "Point in time" and "Earliest offset"): `"earliest"`,
 * `"now"`, an offset, or `{ at }` — looked up with `HEAD ?at=` against real append times (the
 * server's clock is the test's), then read with an ordinary `GET ?offset=`.
 */
import { type ClientEvent, DurableStream, type LiveMode } from "@rivulet/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./support/server.js";

let server: TestServer;
let now = 0;
/** Each stream gets its own day, later than every earlier one, since the clock never goes back. */
let day = Date.UTC(2026, 10, 1);
beforeAll(async () => {
  server = await startTestServer({ longPollTimeoutMs: 300, clock: () => now });
});
afterAll(() => server.close());

/**
 * A JSON stream with one message per hour from 08:00 to 11:00 (server time) of its own day,
 * `at(hour)` for times of that day, and the requests the handle makes.
 */
async function hourly(name: string) {
  day += 86_400_000;
  const at = (hour: number) => day + hour * 3_600_000;
  const events: ClientEvent[] = [];
  const handle = await DurableStream.create({
    url: server.streamUrl(name),
    contentType: "application/json",
    onEvent: (event) => events.push(event),
  });
  const offsets: string[] = [];
  for (let hour = 8; hour < 12; hour++) {
    now = at(hour);
    offsets.push((await handle.appendJson(`${hour}:00`)).offset);
  }
  return { handle, offsets, events, at };
}

describe("{ at }", () => {
  it("starts at the first message appended at or after the time: a Date, ms, or between messages", async () => {
    const { handle, at } = await hourly("at");
    const at9 = new Date(at(9));
    expect(await (await handle.stream({ offset: { at: at9 } })).json()).toEqual(["9:00", "10:00", "11:00"]);
    expect(await (await handle.stream({ offset: { at: at9.getTime() + 1 } })).json()).toEqual(["10:00", "11:00"]);
    expect(await (await handle.stream({ offset: { at: 0 } })).json()).toEqual(["8:00", "9:00", "10:00", "11:00"]);
    // After the last append: the tail, so nothing yet.
    expect(await (await handle.stream({ offset: { at: now + 1 } })).json()).toEqual([]);
  });

  it("is one HEAD ?at= and then an ordinary GET ?offset= from the offset it named", async () => {
    const { handle, offsets, events, at } = await hourly("two-steps");
    events.length = 0;
    const response = await handle.stream({ offset: { at: at(10) } });
    expect(await response.json()).toEqual(["10:00", "11:00"]);
    const requests = events.filter((e) => e.type === "request:start").map((e) => (e as { method: string }).method);
    expect(requests).toEqual(["HEAD", "GET"]);
    // The response starts where the lookup pointed: after the 9:00 message.
    expect(offsets[1]).toBeDefined();
    const found = await handle.offsetAt(at(10));
    expect(found.offset).toBe(offsets[1]);
  });

  it("offsetAt tells the offset, seq and append time of the message found; the tail has no time", async () => {
    const { handle, offsets, at } = await hourly("offset-at");
    const nine = at(9);
    expect(await handle.offsetAt(new Date(nine - 1))).toMatchObject({ offset: offsets[0], seq: 1, timestamp: nine });
    const tail = await handle.offsetAt(now + 60_000);
    expect(tail).toMatchObject({ offset: offsets[3], seq: 4, timestamp: undefined });
  });

  it.each<LiveMode>(["long-poll", "sse"])("works for live reads too (%s), which then follow", async (live) => {
    const { handle, at } = await hourly(`live-${live}`);
    const response = await handle.stream<string>({ offset: { at: at(11) }, live });
    const seen: string[] = [];
    for await (const batch of response) {
      seen.push(...batch.items);
      if (seen.length === 1) await handle.appendJson("12:00");
      if (seen.length === 2) break;
    }
    expect(seen).toEqual(["11:00", "12:00"]);
  });

  it("combines with records mode", async () => {
    const { handle, at } = await hourly("at-records");
    const records = [];
    const response = await handle.stream({ offset: { at: at(10) }, records: true });
    for await (const record of response.records()) records.push(record);
    expect(records.map((r) => [r.seq, r.value, r.timestamp])).toEqual([
      [2, "10:00", at(10)],
      [3, "11:00", at(11)],
    ]);
  });

  it("readOnce takes { at } too", async () => {
    const { handle, at } = await hourly("read-once");
    const page = await handle.readOnce({ offset: { at: at(11) } });
    expect(page.items).toEqual(["11:00"]);
  });

  it.each([
    [{ at: -1 }, "offset.at"],
    [{ at: 1.5 }, "offset.at"],
    [{ at: new Date("not a date") }, "offset.at"],
    [{ at: "2026-11-30" }, "offset.at"],
    [{ when: 1 }, "offset.at"],
    [42, "offset"],
    ["", "offset"],
  ])("offset %j is INVALID_ARGUMENT naming %s, before any request", async (offset, option) => {
    const events: ClientEvent[] = [];
    const handle = new DurableStream({ url: server.streamUrl("never"), onEvent: (e) => events.push(e) });
    await expect(handle.stream({ offset: offset as never })).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
      option,
    });
    await expect(handle.readOnce({ offset: offset as never })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    expect(events).toEqual([]);
  });

  it("offsetAt refuses what is not a time; a missing stream is NOT_FOUND", async () => {
    const handle = new DurableStream({ url: server.streamUrl("missing") });
    await expect(handle.offsetAt(-5)).rejects.toMatchObject({ code: "INVALID_ARGUMENT", option: "at" });
    await expect(handle.offsetAt(Date.now())).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(handle.stream({ offset: { at: 0 } })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});

describe('"earliest" and "now"', () => {
  it('"earliest" is -1 on the wire: everything retained', async () => {
    const { handle, events } = await hourly("earliest");
    events.length = 0;
    expect(await (await handle.stream({ offset: "earliest" })).json()).toEqual(["8:00", "9:00", "10:00", "11:00"]);
    const read = events.find((e) => e.type === "request:start");
    expect(read).toMatchObject({ method: "GET" });
    const page = await handle.readOnce({ offset: "earliest" });
    expect(page.items).toHaveLength(4);
  });

  it('"now" reads only what comes next', async () => {
    const { handle } = await hourly("now");
    const response = await handle.stream<string>({ offset: "now", live: "long-poll" });
    await handle.appendJson("later");
    for await (const batch of response) {
      if (batch.items.length === 0) continue;
      expect(batch.items).toEqual(["later"]);
      break;
    }
  });
});
