/**
 * The CLI's own usage: a usage error (unknown flag, no arguments, a missing
 * required flag, exec without a command) exits 2 with the message and a short
 * usage line, never the whole help and never the status of a failed render
 * (1); --help points to documentation that exists.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runSidecar } from "./support.js";

const ROOT = join(import.meta.dirname, "../..");
/** Enough to be a valid command line but for the fault under test (no service is reached). */
const CONNECTION = ["--token-file", "/nonexistent/token"];

describe("usage errors", () => {
  it.each([
    ["an unknown flag", ["--bogus"], /unknown option '--bogus'/],
    ["an unknown flag of a mode", ["render", "x.yaml", "-o", "out", ...CONNECTION, "--bogus"], /unknown option '--bogus'/],
    ["no arguments", [], /a mode is required/],
    ["an unknown mode", ["rendr", "x.yaml"], /unknown command 'rendr'/],
    ["a missing -o", ["render", "x.yaml", ...CONNECTION], /required option '-o, --output-dir <dir>' not specified/],
    ["a bad flag value", ["render", "x.yaml", "-o", "out", ...CONNECTION, "--timeout-ms", "soon"], /--timeout-ms/],
    [
      "a deadline too long for a timer",
      ["render", "x.yaml", "-o", "out", ...CONNECTION, "--timeout-ms", "2147483648"],
      /--timeout-ms.*must be at most 2147483647/,
    ],
    ["exec without a command", ["exec", "x.yaml", "-o", "out", ...CONNECTION], /exec needs the workload's command after --/],
    ["a malformed --env", ["exec", "x.yaml", "-o", "out", ...CONNECTION, "--env", "NOEQUALS", "--", "true"], /--env "NOEQUALS"/],
  ])("%s: exit 2, the message and one usage line", async (_case, args, message) => {
    const run = await runSidecar(args);
    expect(run.code, run.output).toBe(2);
    expect(run.output).toMatch(message);
    expect(run.output).toMatch(/^usage: secrets-sidecar /m);
    expect(run.output).not.toContain("Commands:"); // not the whole help
    expect(run.output.trim().split("\n").length, run.output).toBeLessThanOrEqual(3);
  });

  it("--help exits 0 and points to a README section that exists", async () => {
    const run = await runSidecar(["--help"]);
    expect(run.code).toBe(0);
    const pointer = /see ([\w./-]+), section "([^"]+)"/.exec(run.output.replace(/\s+/g, " "));
    expect(pointer, run.output).not.toBeNull();
    expect(existsSync(join(ROOT, pointer![1]!))).toBe(true);
    expect(readFileSync(join(ROOT, pointer![1]!), "utf8")).toMatch(new RegExp(`^#+ ${pointer![2]!.replace(/[()`]/g, "\\$&")}`, "m"));
  });
});
