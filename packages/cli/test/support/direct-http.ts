/**
 * Arranging and inspecting server state with plain HTTP, so that each test spawns the binary
 * only for the command it is about (every spawn costs a Node start-up).
 */

export interface StreamSetup {
  contentType?: string;
  body?: string | Uint8Array;
  closed?: boolean;
  ttlSeconds?: number;
}

const streamAt = (serverUrl: string, name: string) => `${serverUrl}/v1/stream/${name}`;

async function expectOk(response: Response, what: string): Promise<Response> {
  if (!response.ok) throw new Error(`${what}: ${response.status} ${await response.text()}`);
  return response;
}

export async function createStream(serverUrl: string, name: string, setup: StreamSetup = {}): Promise<void> {
  const headers: Record<string, string> = { "content-type": setup.contentType ?? "application/octet-stream" };
  if (setup.closed) headers["stream-closed"] = "true";
  if (setup.ttlSeconds !== undefined) headers["stream-ttl"] = String(setup.ttlSeconds);
  const init: RequestInit = { method: "PUT", headers };
  if (setup.body !== undefined) init.body = setup.body;
  await expectOk(await fetch(streamAt(serverUrl, name), init), `create ${name}`);
}

/** Appends one body; returns the new tail offset. */
export async function appendTo(serverUrl: string, name: string, body: string, contentType: string): Promise<string> {
  const response = await fetch(streamAt(serverUrl, name), {
    method: "POST",
    headers: { "content-type": contentType },
    body,
  });
  return (await expectOk(response, `append to ${name}`)).headers.get("stream-next-offset")!;
}

export async function closeStream(serverUrl: string, name: string): Promise<void> {
  const response = await fetch(streamAt(serverUrl, name), { method: "POST", headers: { "stream-closed": "true" } });
  await expectOk(response, `close ${name}`);
}

export interface StreamHead {
  exists: boolean;
  contentType: string | null;
  nextOffset: string | null;
  closed: boolean;
  ttl: string | null;
  expiresAt: string | null;
}

export async function headOf(serverUrl: string, name: string): Promise<StreamHead> {
  const response = await fetch(streamAt(serverUrl, name), { method: "HEAD" });
  const header = (key: string) => response.headers.get(key);
  return {
    exists: response.ok,
    contentType: header("content-type"),
    nextOffset: header("stream-next-offset"),
    closed: header("stream-closed") === "true",
    ttl: header("stream-ttl"),
    expiresAt: header("stream-expires-at"),
  };
}

/** The stream's whole content, straight from the server (not through the CLI under test). */
export async function contentOf(serverUrl: string, stream: string): Promise<Buffer> {
  return Buffer.concat(await responsesOf(serverUrl, stream));
}

/** The messages of a JSON stream, straight from the server. */
export async function messagesOf(serverUrl: string, stream: string): Promise<unknown[]> {
  const bodies = await responsesOf(serverUrl, stream);
  return bodies.flatMap((body) => (body.length === 0 ? [] : (JSON.parse(body.toString()) as unknown[])));
}

/** Catch-up responses from the beginning until the server says they are up to date. */
async function responsesOf(serverUrl: string, stream: string): Promise<Buffer[]> {
  const bodies: Buffer[] = [];
  let offset = "-1";
  for (;;) {
    const response = await expectOk(await fetch(`${streamAt(serverUrl, stream)}?offset=${offset}`), `read ${stream}`);
    bodies.push(Buffer.from(await response.arrayBuffer()));
    offset = response.headers.get("stream-next-offset")!;
    if (response.headers.get("stream-up-to-date") === "true") return bodies;
  }
}
