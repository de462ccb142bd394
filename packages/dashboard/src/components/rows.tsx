/** What list pages share: rows chosen with j/k and opened with Enter, links that stay in the page, a pager. */
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { useShortcuts } from "../lib/keys.js";
import { navigate, onLinkClick } from "../lib/navigation.js";

/** The selected row of a list, moved with j/k; Enter opens its page. */
export function useRowKeys(count: number, hrefOf: (row: number) => string | undefined): number {
  const [selected, setSelected] = useState(0);
  useShortcuts({
    j: () => setSelected((row) => Math.min(count - 1, row + 1)),
    k: () => setSelected((row) => Math.max(0, row - 1)),
    Enter: () => {
      const href = hrefOf(selected);
      if (href) navigate(href);
    },
  });
  return Math.min(selected, Math.max(0, count - 1));
}

export function Link({ href, children }: { href: string; children: ComponentChildren }) {
  return (
    <a href={href} onClick={(event) => onLinkClick(event, href)}>
      {children}
    </a>
  );
}

/** "Next page" after the last entry shown, "First page" back. */
export function Pager({ base, after, next }: { base: string; after: string | undefined; next: string | null }) {
  if (after === undefined && next === null) return null;
  return (
    <nav class="pager" aria-label="Pages">
      {after !== undefined && <Link href={base}>First page</Link>}
      {next !== null && <Link href={`${base}?after=${encodeURIComponent(next)}`}>Next page</Link>}
    </nav>
  );
}
