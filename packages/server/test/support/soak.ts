/**
 * How long the crash and soak tests run. `npm test` runs short variants that still kill and
 * recover several times; `RIVULET_SOAK=1` runs the long ones; a test's own variable (e.g.
 * RIVULET_CRASH_CYCLES) names an exact count.
 */
export const SOAK = process.env.RIVULET_SOAK === "1";

/** The cycles a crash test runs: `variable` if set, else the soak or the short count. */
export function crashCycles(variable: string, short: number, soak: number): number {
  const exact = process.env[variable];
  if (exact !== undefined && exact !== "") {
    const count = Number(exact);
    if (!Number.isInteger(count) || count < 1) throw new Error(`${variable} must be a positive integer, not ${exact}`);
    return count;
  }
  return SOAK ? soak : short;
}
