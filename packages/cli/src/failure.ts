/**
 * Errors the CLI raises itself (bad arguments, unreadable input), and the one-line form every
 * failure is printed in: `rivulet: CODE: message`. Stream and topic failures keep the
 * client's and the server's stable codes; the CLI's own codes are CliErrorCode and INTERNAL.
 */
import { StreamError } from "@rivulet/client";
import { KafkaError } from "@rivulet/kafka/errors";
import { CommanderError } from "commander";

export type CliErrorCode =
  | "USAGE"
  | "INPUT"
  | "CANNOT_LISTEN"
  | "CONFIG_INVALID"
  | "CONTEXT_NOT_FOUND"
  | "CONTEXT_EXISTS"
  | "COMMAND_FAILED"
  | "CLUSTER_START_FAILED";

export class CliError extends Error {
  readonly code: CliErrorCode;

  constructor(code: CliErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CliError";
    this.code = code;
  }
}

export function usage(message: string): CliError {
  return new CliError("USAGE", message);
}

/** The stable code printed before the message. */
export function failureCode(error: unknown): string {
  if (error instanceof StreamError || error instanceof CliError || error instanceof KafkaError) return error.code;
  if (error instanceof CommanderError) return "USAGE";
  return "INTERNAL";
}

/** One line, whatever the message holds: scripts and logs get one record per failure. */
export function failureLine(error: unknown): string {
  return oneLine(failureCode(error), error instanceof Error ? error.message : String(error));
}

export function oneLine(code: string, message: string): string {
  // Commander prefixes its messages with "error: "; the code already says so.
  const text = message
    .replace(/^error:\s*/i, "")
    .replace(/\s*\n\s*/g, " ")
    .trim();
  return `rivulet: ${code}: ${text}`;
}

/** What --verbose adds: the response details and the stack, causes included. */
export function failureDetails(error: unknown): string {
  const lines: string[] = [];
  if (error instanceof StreamError) {
    const facts = [`url ${error.url}`];
    if (error.status !== undefined) facts.push(`status ${error.status}`);
    if (error.serverCode !== undefined) facts.push(`server code ${error.serverCode}`);
    facts.push(error.isRetryable ? "retryable" : "not retryable");
    lines.push(`  ${facts.join(", ")}`);
  }
  if (error instanceof KafkaError) {
    const facts = error.status === undefined ? [] : [`status ${error.status}`];
    facts.push(error.isRetriable ? "retryable" : "not retryable");
    lines.push(`  ${facts.join(", ")}`);
  }
  for (let current: unknown = error, depth = 0; current !== undefined && depth < 5; depth++) {
    if (!(current instanceof Error)) {
      lines.push(`  caused by: ${String(current)}`);
      break;
    }
    lines.push(depth === 0 ? (current.stack ?? current.message) : `caused by: ${current.stack ?? current.message}`);
    current = current.cause;
  }
  return lines.join("\n");
}
