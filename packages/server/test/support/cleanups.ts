/**
 * Clean-ups that support modules (not test files) need after every test or every file.
 *
 * Test files in the "shared" project share their worker's loaded modules (vitest.config.ts):
 * a support module runs once per worker, so an `afterEach` it registered at its top level
 * served only the first test file that loaded it, and the servers and directories of every
 * later file were left behind. A support module registers its clean-up here instead, once;
 * the setup file (cleanups-setup.ts), which runs before every test file, runs them all.
 */
type Cleanup = () => Promise<void> | void;

const afterEachTest = new Set<Cleanup>();
const afterEachFile = new Set<Cleanup>();

/** Runs `cleanup` after every test of every test file from now on. */
export function afterEveryTest(cleanup: Cleanup): void {
  afterEachTest.add(cleanup);
}

/** Runs `cleanup` after the last test of every test file from now on. */
export function afterEveryFile(cleanup: Cleanup): void {
  afterEachFile.add(cleanup);
}

export async function runTestCleanups(): Promise<void> {
  await Promise.all([...afterEachTest].map((cleanup) => cleanup()));
}

export async function runFileCleanups(): Promise<void> {
  await Promise.all([...afterEachFile].map((cleanup) => cleanup()));
}
