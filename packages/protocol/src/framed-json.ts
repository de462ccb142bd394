/**
 * JSON messages already validated and in stored form (PROTOCOL §9.1): what a JSON stream
 * appends. Only this package's validating parsers make one (frameJson, and the envelopes of
 * parsed produce requests), so a stream handed one stores it without parsing again, and no
 * other caller can skip the validation §7.2 asks for: the constructor wants a token that is
 * not exported from the package, and the package exports the class as a type only.
 */

const MINT: unique symbol = Symbol("framed JSON");

export class FramedJson {
  /** Stored form of every message (each one's JSON text and ",\n"), ready to append. */
  readonly data: Uint8Array;
  readonly messageCount: number;

  constructor(mint: typeof MINT, data: Uint8Array, messageCount: number) {
    if (mint !== MINT) throw new TypeError("FramedJson is made only by a validating parse");
    this.data = data;
    this.messageCount = messageCount;
  }
}

/** For this package's validating parsers only (not exported from index.ts). */
export function mintFramedJson(data: Uint8Array, messageCount: number): FramedJson {
  return new FramedJson(MINT, data, messageCount);
}
