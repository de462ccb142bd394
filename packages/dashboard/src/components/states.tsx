/** The states every view has besides its data: loading, empty, failed. */
import type { ComponentChildren } from "preact";
import { explain } from "../api/http.js";

export function Loading({ what }: { what: string }) {
  return (
    <p class="state muted" role="status">
      Loading {what}…
    </p>
  );
}

export function Empty({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="state empty" data-state="empty">
      <h3>{title}</h3>
      {children}
    </div>
  );
}

export function Failed({ error, retry }: { error: unknown; retry?: () => void }) {
  return (
    <div class="state failed" role="alert" data-state="error">
      <h3>Something went wrong</h3>
      <p>{explain(error)}</p>
      {retry && (
        <button type="button" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}
