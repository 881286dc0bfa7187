/**
 * Issue 9, finding 7: `--mask-output` (exec, watch) let values through.
 * A workload that holds values (in its environment or its rendered files)
 * printed them
 *   - when referenced only as `| base64` or `| urlencode` (the raw value was
 *     never masked, only its filtered form);
 *   - after a rotation in watch mode, the *old* value still in its environment;
 *   - as unpadded and URL-safe base64 at each of the three alignments, hex,
 *     percent-encoding of every reserved character, base64(user:pass);
 *   - split across two writes more than 1 s apart.
 * Every value resolved during the sidecar's life must be masked, raw and in
 * these encodings, and no partial match may ever be let out.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SecretType } from "../../gen/secrets/v1/types_pb.js";
import { runSidecar, spawnSidecar, startSidecarFixture, token, userPass, type SidecarFixture } from "../sidecar/support.js";

/** Every reserved character of RFC 3986, a space and a non-ASCII letter. */
const RESERVED = "pw:/?#[]@!$&'()*+,;= wörd-Kx81";
const B64_ONLY = "only-base64-Qm27-value";
const URL_ONLY = "only/url?encoded&Vb44";
const USER = "svc-user-Tz5";
const PASS = "svc-pass-Hj9/+=";
const ROTATED_FROM = "rotated-from-Lp63-value";
const ROTATED_TO = "rotated-to-Wd17-value";

let f: SidecarFixture;

beforeAll(async () => {
  f = await startSidecarFixture(
    [
      { name: "RESERVED", type: SecretType.TOKEN, value: token(RESERVED) },
      { name: "B64_ONLY", type: SecretType.TOKEN, value: token(B64_ONLY) },
      { name: "URL_ONLY", type: SecretType.TOKEN, value: token(URL_ONLY) },
      { name: "LOGIN", type: SecretType.USERNAME_PASSWORD, value: userPass(USER, PASS) },
      { name: "ROTATING", type: SecretType.TOKEN, value: token(ROTATED_FROM) },
    ],
    ["RESERVED", "B64_ONLY", "URL_ONLY", "LOGIN", "ROTATING"],
  );
});

afterAll(async () => {
  await f?.cleanup();
});

const utf8 = (text: string) => Buffer.from(text, "utf8");
const urlSafe = (b64: string) => b64.replace(/\+/g, "-").replace(/\//g, "_");

/** The base64 characters that depend on `value` alone when it follows `offset` other bytes. */
function base64Core(value: string, offset: number): string {
  const bytes = utf8(value);
  const encoded = Buffer.concat([Buffer.alloc(offset, 0x41), bytes, Buffer.alloc(3, 0x41)]).toString("base64");
  const first = Math.ceil((offset * 8) / 6);
  const end = Math.floor(((offset + bytes.length) * 8) / 6);
  return encoded.slice(first, end);
}

/** Every 8-character window of each encoded form of `value`: none may survive in the output. */
function leakedWindows(output: string, value: string): string[] {
  const forms = [
    value,
    utf8(value).toString("hex"),
    utf8(value).toString("hex").toUpperCase(),
    encodeURIComponent(value),
    encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
    ...[0, 1, 2].flatMap((offset) => [base64Core(value, offset), urlSafe(base64Core(value, offset))]),
  ];
  const leaks = new Set<string>();
  for (const form of forms)
    for (let at = 0; at + 8 <= form.length; at++) if (output.includes(form.slice(at, at + 8))) leaks.add(form.slice(at, at + 8));
  return [...leaks];
}

/** A workload that prints `value` (read from env var `variable`) in every encoding, one labelled line each. */
const PRINT_ENCODINGS = `
  const printAll = (label, value) => {
    const bytes = Buffer.from(value, "utf8");
    const urlSafe = (s) => s.replace(/\\+/g, "-").replace(/\\//g, "_");
    for (const prefix of ["", "x", "xy"]) {
      const b64 = Buffer.concat([Buffer.from(prefix), bytes, Buffer.from("!")]).toString("base64");
      console.log(label + " b64@" + prefix.length + "=" + b64);
      console.log(label + " b64-unpadded@" + prefix.length + "=" + b64.replace(/=+$/, ""));
      console.log(label + " b64url@" + prefix.length + "=" + urlSafe(b64).replace(/=+$/, ""));
    }
    console.log(label + " whole-b64=" + bytes.toString("base64").replace(/=+$/, ""));
    console.log(label + " hex=" + bytes.toString("hex") + " HEX=" + bytes.toString("hex").toUpperCase());
    console.log(label + " pct=" + encodeURIComponent(value).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase()));
    console.log(label + " pct-lower=" + encodeURIComponent(value).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16)).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()));
    console.log(label + " form=" + new URLSearchParams({ v: value }).toString().slice(2));
    console.log(label + " raw=" + value);
  };`;

describe("--mask-output hides every value the sidecar resolved, in every common encoding", () => {
  it("exec: filtered-only values printed raw, every encoding, basic auth, and a value split across writes 1.5 s apart", async () => {
    const config = join(f.dir, "exec.yaml");
    await writeFile(config, "kind: service\nname: masked\nb64: $<secret.B64_ONLY | base64>\nurl: $<secret.URL_ONLY | urlencode>\n");
    const script = `${PRINT_ENCODINGS}
      const fs = require("node:fs");
      const rendered = fs.readFileSync(process.env.SECRETS_SIDECAR_FILES, "utf8");
      // The workload decodes what it was given: the raw values are in its hands.
      const b64Only = Buffer.from(rendered.match(/b64: (.*)/)[1], "base64").toString("utf8");
      const urlOnly = decodeURIComponent(rendered.match(/url: (.*)/)[1]);
      printAll("b64only", b64Only);
      printAll("urlonly", urlOnly);
      printAll("reserved", process.env.RESERVED);
      console.log("basic=Basic " + Buffer.from(process.env.USER_NAME + ":" + process.env.USER_PASS).toString("base64"));
      const value = process.env.RESERVED;
      process.stdout.write("split=" + value.slice(0, 11));
      setTimeout(() => process.stdout.write(value.slice(11) + " end\\n"), 1500);`;
    const run = await runSidecar([
      "exec",
      config,
      "-o",
      join(f.dir, "exec-out"),
      ...f.connectionArgs(),
      "--mask-output",
      "--env",
      "RESERVED=$<secret.RESERVED>",
      "--env",
      "USER_NAME=$<secret.LOGIN.username>",
      "--env",
      "USER_PASS=$<secret.LOGIN.password>",
      "--",
      process.execPath,
      "-e",
      script,
    ]);
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain("split=[[SENSITIVE]] end");
    expect(run.output).toContain("basic=Basic [[SENSITIVE]]");
    for (const value of [RESERVED, B64_ONLY, URL_ONLY, USER, PASS, `${USER}:${PASS}`])
      expect(leakedWindows(run.output, value), value).toEqual([]);
    for (const line of run.output.split("\n").filter((l) => /^(b64only|urlonly|reserved) /.test(l)))
      expect(line).toContain("[[SENSITIVE]]");
  });

  it("watch: after a rotation the old value, still in the workload's environment, stays masked", async () => {
    const config = join(f.dir, "watch.yaml");
    await writeFile(config, "kind: service\nname: rotating\ntoken: $<secret.ROTATING>\n");
    const script = `${PRINT_ENCODINGS}
      const fs = require("node:fs");
      process.on("SIGHUP", () => {
        const current = fs.readFileSync(process.env.SECRETS_SIDECAR_FILES, "utf8").match(/token: (.*)/)[1];
        printAll("old", process.env.STARTED_WITH);
        printAll("new", current);
        console.log("reloaded");
      });
      console.log("started");
      setInterval(() => {}, 1000);`;
    const run = spawnSidecar([
      "watch",
      config,
      "-o",
      join(f.dir, "watch-out"),
      ...f.connectionArgs(),
      "--mask-output",
      "--debounce-ms",
      "20",
      "--env",
      "STARTED_WITH=$<secret.ROTATING>",
      "--",
      process.execPath,
      "-e",
      script,
    ]);
    await expect.poll(() => run.output(), { timeout: 20_000 }).toContain("started");
    await f.admin.secrets.updateSecretValue({ name: "ROTATING", value: token(ROTATED_TO) });
    await expect.poll(() => run.output(), { timeout: 20_000 }).toContain("reloaded");
    run.child.kill("SIGTERM");
    await run.exited;
    expect(run.output()).toContain("old raw=[[SENSITIVE]]");
    expect(run.output()).toContain("new raw=[[SENSITIVE]]");
    for (const value of [ROTATED_FROM, ROTATED_TO]) expect(leakedWindows(run.output(), value), value).toEqual([]);
  });
});
