/**
 * A JSON message already encoded by the caller, appended as its text instead of being
 * stringified again: for layers that build a message from pieces they encoded themselves (a
 * record envelope around a value a serializer produced). The text must be one valid JSON
 * value; the producer does not parse it, and a server refuses a batch holding an invalid one
 * (INVALID_JSON), which fails the producer.
 */
export class JsonText {
  constructor(readonly text: string) {}
}
