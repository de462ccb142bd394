/**
 * How a context fills in a command's connection, pure. Precedence, highest first:
 *
 * 1. --url / --token on the command line;
 * 2. RIVULET_URL / RIVULET_TOKEN;
 * 3. the context named by --context (or RIVULET_CONTEXT), else the current one (`context use`);
 * 4. the built-in default URL, no token.
 *
 * A context's token goes only to that context's URL: with a URL from a flag or the
 * environment that is not the context's, the context's token is not sent anywhere.
 */
import { type Contexts, contextNotFound } from "./contexts.js";

/** Where commander says an option's value came from. */
export type ValueSource = "cli" | "env" | "default" | "config" | "implied" | undefined;

export interface GivenConnection {
  url: string;
  urlSource: ValueSource;
  token: string | undefined;
  tokenSource: ValueSource;
  /** --context / RIVULET_CONTEXT. */
  context: string | undefined;
}

export interface ContextConnection {
  url: string;
  token: string | undefined;
  /** The context that supplied something, if any. */
  from: string | undefined;
}

const explicit = (source: ValueSource) => source === "cli" || source === "env";

export function connectionFromContext(contexts: Contexts, given: GivenConnection): ContextConnection {
  const name = given.context ?? contexts.current ?? undefined;
  if (name === undefined) return { url: given.url, token: given.token, from: undefined };
  const contextUrl = contexts.urls[name];
  if (contextUrl === undefined) throw contextNotFound(name);
  const url = explicit(given.urlSource) ? given.url : contextUrl;
  if (explicit(given.tokenSource) || url !== contextUrl) return { url, token: given.token, from: name };
  return { url, token: contexts.tokens[name], from: name };
}
