/** DELETE: remove a stream, or soft-delete it while forks reference it (PROTOCOL §5.4). */
import type { Context } from "../context.js";
import { type HttpReply, type HttpRequest, reply } from "../exchange.js";

export async function handleDelete(request: HttpRequest, context: Context): Promise<HttpReply> {
  await context.engine.delete(request.path);
  return reply(204);
}
