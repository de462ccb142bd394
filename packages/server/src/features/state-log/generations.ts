/**
 * Where a state log's generations live: `<root>/<generation>`, the number zero-padded so path
 * order is generation order. Pure.
 */
const DIGITS = 10;

export function generationPath(root: string, generation: number): string {
  return `${root}/${generation.toString().padStart(DIGITS, "0")}`;
}

/** The generation a path under `root` names, or undefined when it is not one. */
export function parseGeneration(root: string, path: string): number | undefined {
  if (!path.startsWith(`${root}/`)) return undefined;
  const name = path.slice(root.length + 1);
  if (!/^\d{10}$/.test(name)) return undefined;
  return Number(name);
}
