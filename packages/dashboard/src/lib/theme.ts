/** Dark (the default) or light, remembered in localStorage; the page's CSS variables follow `data-theme`. */
const KEY = "rivulet.theme";
/** Dispatched on window when the theme changes. */
export const THEME_EVENT = "rivulet:theme";
export type Theme = "dark" | "light";

export function currentTheme(): Theme {
  return document.documentElement.dataset.theme === "light" ? "light" : "dark";
}

export function applyStoredTheme(): void {
  const stored = localStorage.getItem(KEY);
  document.documentElement.dataset.theme = stored === "light" ? "light" : "dark";
}

export function toggleTheme(): Theme {
  const next: Theme = currentTheme() === "dark" ? "light" : "dark";
  document.documentElement.dataset.theme = next;
  localStorage.setItem(KEY, next);
  window.dispatchEvent(new Event(THEME_EVENT));
  return next;
}
