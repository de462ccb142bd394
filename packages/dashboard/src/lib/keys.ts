/**
 * Keyboard shortcuts: single keys (`/`, `?`, `j`) and two-key sequences (`g s`), ignored while
 * the user types in a field. A component registers the keys it handles while it is mounted.
 */
import { useEffect, useRef } from "preact/hooks";

export type Shortcuts = Readonly<Record<string, (event: KeyboardEvent) => void>>;

/** How long after `g` the second key counts. */
const SEQUENCE_MS = 1500;

export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}

export function useShortcuts(shortcuts: Shortcuts): void {
  const latest = useRef(shortcuts);
  latest.current = shortcuts;
  useEffect(() => {
    let prefix: { key: string; at: number } | undefined;
    const onKey = (event: KeyboardEvent) => {
      if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
      const sequence = prefix && event.timeStamp - prefix.at < SEQUENCE_MS ? `${prefix.key} ${event.key}` : undefined;
      prefix = undefined;
      const handler = (sequence && latest.current[sequence]) || latest.current[event.key];
      if (handler) {
        event.preventDefault();
        handler(event);
        return;
      }
      if (Object.keys(latest.current).some((key) => key.startsWith(`${event.key} `))) {
        prefix = { key: event.key, at: event.timeStamp };
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
}
