import { EXPOSED_HEADERS, Header, isTrueFlag } from "@rivulet/protocol";
import { describe, expect, test } from "vitest";

describe("isTrueFlag (PROTOCOL §4.1 Stream-Closed)", () => {
  test.each(["true", "TRUE", "True", "tRuE"])("%j counts as present", (value) => {
    expect(isTrueFlag(value)).toBe(true);
  });

  test.each([undefined, null, "", "false", "yes", "1", " true", "true ", "truee"])("%j counts as absent", (value) => {
    expect(isTrueFlag(value)).toBe(false);
  });
});

describe("Header names", () => {
  test("are lower-case, as Node delivers them", () => {
    for (const name of Object.values(Header)) expect(name).toBe(name.toLowerCase());
  });

  test("the CORS expose list carries every protocol response header", () => {
    for (const name of [
      Header.nextOffset,
      Header.upToDate,
      Header.closed,
      Header.cursor,
      Header.sseDataEncoding,
      Header.producerEpoch,
      Header.producerSeq,
      Header.producerExpectedSeq,
      Header.producerReceivedSeq,
      Header.etag,
    ]) {
      expect(EXPOSED_HEADERS).toContain(name);
    }
  });
});
