/** Setup file (vitest.config.ts): runs before every test file, so its hooks serve each one. */
import { afterAll, afterEach } from "vitest";
import { runFileCleanups, runTestCleanups } from "./cleanups.js";

afterEach(runTestCleanups);
afterAll(runFileCleanups);
