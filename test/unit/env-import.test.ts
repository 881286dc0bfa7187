/** Parsing bulk-import text (the console's Import page and `secretsctl import`): .env lines and flat JSON. */
import { describe, expect, it } from "vitest";
import { parseImport } from "../../kernel/env-import.js";

describe("parseImport", () => {
  it("reads KEY=VALUE lines with comments, export, quotes and escapes", () => {
    const text = [
      "# a comment",
      "",
      "export A=plain",
      "B = spaced # trailing comment",
      'C="two\\nlines # kept"',
      "D='lit\\n'",
      "E=a=b",
    ].join("\n");
    expect(parseImport(text)).toEqual({
      entries: [
        { line: 3, name: "A", value: "plain" },
        { line: 4, name: "B", value: "spaced" },
        { line: 5, name: "C", value: "two\nlines # kept" },
        { line: 6, name: "D", value: "lit\\n" },
        { line: 7, name: "E", value: "a=b" },
      ],
      problems: [],
    });
  });

  it("names every bad line by number and rule, never quoting a value", () => {
    const { entries, problems } = parseImport('GOOD=v1\n9BAD=secret-1\nno equals\nEMPTY=\nQ="unclosed\ngood=v2');
    expect(entries.map((e) => e.name)).toEqual(["GOOD"]);
    expect(problems.map((p) => [p.line, p.name, p.message.split(" ").slice(0, 3).join(" ")])).toEqual([
      [2, "9BAD", "name must start"],
      [3, undefined, "expected NAME=VALUE"],
      [4, "EMPTY", "the value is"],
      [5, "Q", "the value's closing"],
      [6, "good", "the same name"],
    ]);
    expect(JSON.stringify(problems)).not.toContain("secret-1");
  });

  it("reads a quoted value over several lines (a PEM key) as one value, never its lines as names", () => {
    const pem = "-----BEGIN KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu==\n-----END KEY-----";
    const { entries, problems } = parseImport(`TLS_KEY="${pem}"\nNEXT=v`);
    expect(problems).toEqual([]);
    expect(entries).toEqual([
      { line: 1, name: "TLS_KEY", value: pem },
      { line: 4, name: "NEXT", value: "v" },
    ]);
  });

  it("reads a flat JSON object, and refuses nested values", () => {
    expect(parseImport('{"A": "x", "B": 2, "C": {"nested": true}}')).toEqual({
      entries: [
        { line: 1, name: "A", value: "x" },
        { line: 1, name: "B", value: "2" },
      ],
      problems: [{ line: 1, name: "C", message: "a flat JSON object is expected: this value is not a string, number or boolean" }],
    });
  });
});
