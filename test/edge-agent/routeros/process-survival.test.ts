import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const fixture = fileURLToPath(new URL("./fixtures/library-crash-child.ts", import.meta.url));
const root = fileURLToPath(new URL("../../../", import.meta.url));

interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runChild(mode: string): Promise<ChildResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", fixture, mode],
      { cwd: root, timeout: 20_000, env: { ...process.env, NODE_OPTIONS: "" } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe("a node-routeros fault can not take the process down", () => {
  it("bare node-routeros 1.6.9 does crash on `!empty` (the simulator reproduces the bug)", async () => {
    const { code, stderr } = await runChild("raw-empty");
    expect(code).not.toBe(0);
    expect(code).not.toBe(3);
    expect(stderr).toContain("unknown reply: !empty");
  });

  it("the hardened driver reads the same `!empty` router and the process exits cleanly", async () => {
    const { code, stdout, stderr } = await runChild("guarded-empty");
    expect(stderr).not.toContain("UNKNOWNREPLY");
    expect(code).toBe(0);
    expect(JSON.parse(stdout.trim())).toMatchObject({ state: { exists: true, online: false, sessions: [] } });
  });

  it("bare node-routeros 1.6.9 dies of an unhandled rejection on a two-row /login reply", async () => {
    const { code, stderr } = await runChild("raw-login-rows");
    expect(code).not.toBe(0);
    expect(code).not.toBe(3);
    expect(stderr).toContain("Username or password is invalid");
  });

  it.each(["unknown-reply", "foreign-tag", "split-garbage", "login-rows"])(
    "a hostile router (%s) yields a typed error, not a crash",
    async (mode) => {
      const { code, stdout } = await runChild(`guarded-${mode}`);
      expect(code).toBe(0);
      expect(JSON.parse(stdout.trim())).toEqual({ error: "RouterConnectionError" });
    },
  );
});
