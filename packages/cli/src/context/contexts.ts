/**
 * Named contexts, pure: a context is a server URL and, optionally, a token; one of them may be
 * current. The files that hold them are context-files.ts.
 */
import { CliError } from "../failure.js";

export interface Contexts {
  current: string | null;
  /** Name → server URL (or stream root). */
  urls: Record<string, string>;
  /** Name → token: kept apart, in a file only the user can read. */
  tokens: Record<string, string>;
}

export interface ContextView {
  name: string;
  url: string;
  hasToken: boolean;
  current: boolean;
}

export const EMPTY_CONTEXTS: Contexts = { current: null, urls: {}, tokens: {} };

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function checkContextName(name: string): string {
  if (!NAME.test(name)) {
    throw new CliError(
      "USAGE",
      `a context name is 1 to 64 of A-Z a-z 0-9 . _ -, starting with a letter or digit, not ${JSON.stringify(name)}`,
    );
  }
  return name;
}

export function contextNotFound(name: string): CliError {
  return new CliError("CONTEXT_NOT_FOUND", `no context named ${JSON.stringify(name)} (see rivulet context ls)`);
}

export interface NewContext {
  name: string;
  url: string;
  token?: string | undefined;
  replace: boolean;
}

export function addContext(contexts: Contexts, added: NewContext): Contexts {
  const name = checkContextName(added.name);
  if (name in contexts.urls && !added.replace) {
    throw new CliError("CONTEXT_EXISTS", `a context named ${JSON.stringify(name)} exists (--force replaces it)`);
  }
  const tokens = { ...contexts.tokens };
  delete tokens[name];
  if (added.token !== undefined) tokens[name] = added.token;
  return { current: contexts.current, urls: { ...contexts.urls, [name]: added.url }, tokens };
}

export function useContext(contexts: Contexts, name: string): Contexts {
  if (!(name in contexts.urls)) throw contextNotFound(name);
  return { ...contexts, current: name };
}

export function removeContext(contexts: Contexts, name: string): Contexts {
  if (!(name in contexts.urls)) throw contextNotFound(name);
  const urls = { ...contexts.urls };
  const tokens = { ...contexts.tokens };
  delete urls[name];
  delete tokens[name];
  return { current: contexts.current === name ? null : contexts.current, urls, tokens };
}

/** The contexts in name order, tokens left out. */
export function listContexts(contexts: Contexts): ContextView[] {
  return Object.keys(contexts.urls)
    .sort()
    .map((name) => viewOf(contexts, name));
}

export function viewOf(contexts: Contexts, name: string): ContextView {
  const url = contexts.urls[name];
  if (url === undefined) throw contextNotFound(name);
  return { name, url, hasToken: name in contexts.tokens, current: contexts.current === name };
}
