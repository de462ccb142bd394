/**
 * The theme's colours as values a canvas understands (CSS variables mean nothing to uPlot's
 * canvas), read when a chart is made; charts are made again when the theme changes.
 */
import { useEffect, useState } from "preact/hooks";
import { currentTheme, THEME_EVENT, type Theme } from "./theme.js";

export interface Palette {
  readonly text: string;
  readonly muted: string;
  readonly grid: string;
}

export function palette(): Palette {
  const style = getComputedStyle(document.documentElement);
  const read = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  return { text: read("--text", "#e2e8f0"), muted: read("--muted", "#8b9ab4"), grid: read("--grid", "#1f2a44") };
}

/** The current theme, re-rendering when it changes. */
export function useTheme(): Theme {
  const [theme, setTheme] = useState(currentTheme());
  useEffect(() => {
    const update = () => setTheme(currentTheme());
    window.addEventListener(THEME_EVENT, update);
    return () => window.removeEventListener(THEME_EVENT, update);
  }, []);
  return theme;
}

/** Colours for a chart's lines, one per series (a partition's lag, say), repeating past ten. */
const SERIES = [
  "#38bdf8",
  "#f472b6",
  "#34d399",
  "#fbbf24",
  "#a78bfa",
  "#fb923c",
  "#94a3b8",
  "#f87171",
  "#2dd4bf",
  "#e879f9",
];

export function seriesColor(index: number): string {
  return SERIES[index % SERIES.length]!;
}
