/** gzip with the platform's CompressionStream (Node ≥ 18, browsers, Deno, Bun, Workers). */
/** Text is compressed as its UTF-8 bytes. */
export async function gzip(body: string | Uint8Array): Promise<Uint8Array> {
  const compressed = new Blob([body]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(compressed).arrayBuffer());
}
