/**
 * A body sent in one request (create's initial data, close's final message). On a JSON stream
 * the input is one message: checked here, and wrapped in an array so that a JSON array stays
 * one message instead of being split by the server (PROTOCOL §9.1.2).
 */
import { CliError } from "../failure.js";
import { parseJson } from "./json-messages.js";
import { type InputSource, readAll } from "./source.js";

export async function singleBody(input: InputSource, json: boolean): Promise<Uint8Array | string> {
  const bytes = await readAll(input);
  if (!json) return bytes;
  const where = input.kind === "file" ? "the file" : input.kind;
  const text = new TextDecoder().decode(bytes);
  if (text.trim().length === 0) throw new CliError("INPUT", `no JSON message: ${where} is empty`);
  return `[${JSON.stringify(parseJson(text, where))}]`;
}
