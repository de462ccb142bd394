/** The frame around every page: the navigation, the theme switch, the shortcut help, sign-out. */
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { clearToken, token } from "../api/session.js";
import { useShortcuts } from "../lib/keys.js";
import { navigate, onLinkClick } from "../lib/navigation.js";
import { listOf, NAV, type PageName } from "../lib/routes.js";
import { toggleTheme } from "../lib/theme.js";
import { Modal } from "./modal.js";

const HELP: ReadonlyArray<[string, string]> = [
  ...NAV.map((item): [string, string] => [`g ${item.key}`, item.label]),
  ["/", "Search streams"],
  ["j / k", "Next / previous row"],
  ["Enter", "Open the selected row"],
  ["p", "Pause or resume a live tail"],
  ["t", "Dark or light theme"],
  ["?", "This help"],
];

export function Shell({ page, children }: { page: PageName; children: ComponentChildren }) {
  const [help, setHelp] = useState(false);
  const shortcuts: Record<string, () => void> = {
    "?": () => setHelp((shown) => !shown),
    Escape: () => setHelp(false),
    t: () => toggleTheme(),
  };
  for (const item of NAV) shortcuts[`g ${item.key}`] = () => navigate(item.href);
  useShortcuts(shortcuts);
  return (
    <div class="shell">
      <nav class="nav" aria-label="Pages">
        <a class="brand" href="/ui" onClick={(event) => onLinkClick(event, "/ui")}>
          Rivulet
        </a>
        {NAV.map((item) => (
          <a
            key={item.page}
            href={item.href}
            aria-current={item.page === listOf(page) ? "page" : undefined}
            onClick={(event) => onLinkClick(event, item.href)}
          >
            {item.label}
          </a>
        ))}
        <span class="spacer" />
        <button type="button" class="ghost" title="Theme (t)" onClick={() => toggleTheme()}>
          ◐
        </button>
        <button type="button" class="ghost" title="Keyboard shortcuts (?)" onClick={() => setHelp(true)}>
          ?
        </button>
        {token() !== undefined && (
          <button type="button" class="ghost" onClick={() => clearToken()}>
            Sign out
          </button>
        )}
      </nav>
      <main class="page">{children}</main>
      {help && (
        <Modal label="Keyboard shortcuts" onClose={() => setHelp(false)}>
          <h2>Keyboard shortcuts</h2>
          <table class="keys">
            <tbody>
              {HELP.map(([key, what]) => (
                <tr key={key}>
                  <td>
                    <kbd>{key}</kbd>
                  </td>
                  <td>{what}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Modal>
      )}
    </div>
  );
}
