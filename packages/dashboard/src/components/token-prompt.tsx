/**
 * The server needs a token: ask for it. It is kept for this tab only (sessionStorage) and sent
 * as a bearer header; it never goes into the address bar, so it cannot leak through history,
 * a shared link or a server's access log.
 */
import { useState } from "preact/hooks";
import { setToken } from "../api/session.js";

export function TokenPrompt({ refused }: { refused: boolean }) {
  const [value, setValue] = useState("");
  return (
    <main class="login">
      <form
        class="card"
        onSubmit={(event) => {
          event.preventDefault();
          if (value.trim() !== "") setToken(value);
        }}
      >
        <h1>Rivulet</h1>
        <p>
          This server requires a token: one with the admin scope (to list streams and read metrics), and read and write
          to work with streams.
        </p>
        {refused && (
          <p class="error" role="alert" data-state="refused">
            The server refused that token. Check it and try again.
          </p>
        )}
        <label for="token">Token</label>
        <input
          id="token"
          type="password"
          autocomplete="off"
          autofocus
          value={value}
          onInput={(event) => setValue(event.currentTarget.value)}
        />
        <p class="muted small">Kept in this tab only, and sent as an Authorization header.</p>
        <button type="submit" class="primary">
          Open the dashboard
        </button>
      </form>
    </main>
  );
}
