/** Request ids: kept from the client when they look like an id, so logs can be correlated. */
import { randomUUID } from "node:crypto";

const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestId(fromClient: string | undefined): string {
  return fromClient !== undefined && SANE_ID.test(fromClient) ? fromClient : randomUUID();
}
