/** `rivulet delete`. */
import { describe, expect, test } from "vitest";
import { errorLine, rivulet, serverForFile, uniqueName } from "./support/cli-process.js";
import { createStream, headOf } from "./support/direct-http.js";

const server = serverForFile();
const cli = (...args: string[]) => rivulet([...args, "--url", server.url]);

describe.concurrent("rivulet delete", () => {
  test("deletes a stream silently; it is then not found", async () => {
    const name = uniqueName("doomed");
    await createStream(server.url, name);
    const { code, stdout, stderr } = await cli("delete", name);
    expect({ code, stdout, stderr }).toEqual({ code: 0, stdout: "", stderr: "" });
    expect((await headOf(server.url, name)).exists).toBe(false);
  });

  test("deleting a missing stream is exit 2", async () => {
    const { code, stderr } = await cli("delete", uniqueName("missing"));
    expect(code).toBe(2);
    expect(stderr).toMatch(errorLine("NOT_FOUND"));
  });
});
