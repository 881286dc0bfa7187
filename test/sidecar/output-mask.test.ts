/**
 * The output mask and the texts it is given: every value resolved stays
 * hidden, raw and in its common encodings; a value split across chunks is
 * caught at every cut; bytes that are not UTF-8 pass unchanged; a tail that
 * could begin a value is held, never let out half.
 */
import { PassThrough } from "node:stream";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ResolvedValueSchema, ValueKind } from "../../gen/secrets/v1/resolver_service_pb.js";
import { create } from "@bufbuild/protobuf";
import { parseReference, type Reference } from "../../kernel/references.js";
import { maskedForms, OutputMask, SENSITIVE } from "../../sidecar/output-mask.js";
import { sensitiveTexts } from "../../sidecar/sensitive-texts.js";

const SECRET = "s3cr3t p@ss/wörd!*";
const bytes = Buffer.from(SECRET, "utf8");
const urlSafe = (b64: string) => b64.replace(/\+/g, "-").replace(/\//g, "_");

async function throughStream(mask: OutputMask, chunks: Buffer[]): Promise<Buffer> {
  const input = new PassThrough();
  const output = input.pipe(mask.stream());
  const parts: Buffer[] = [];
  output.on("data", (chunk: Buffer) => parts.push(chunk));
  const ended = new Promise((resolve) => output.on("end", resolve));
  for (const chunk of chunks) input.write(chunk);
  input.end();
  await ended;
  return Buffer.concat(parts);
}

describe("output mask", () => {
  const mask = new OutputMask([SECRET, "on"]);

  it.each([
    ["as written", SECRET],
    ["base64", bytes.toString("base64")],
    ["base64 unpadded, URL-safe", urlSafe(bytes.toString("base64")).replace(/=+$/, "")],
    ["hex", bytes.toString("hex")],
    ["HEX", bytes.toString("hex").toUpperCase()],
    ["URL-encoded", encodeURIComponent(SECRET)],
    [
      "URL-encoded, every reserved character",
      encodeURIComponent(SECRET).replace(/[!*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
    ],
    ["URL-encoded, lower-case hex", encodeURIComponent(SECRET).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase())],
    ["form-encoded", new URLSearchParams({ v: SECRET }).toString().slice(2)],
    ["JSON-escaped", JSON.stringify(SECRET).slice(1, -1)],
    ["JSON-escaped as ASCII", JSON.stringify(SECRET).slice(1, -1).replace("ö", "\\u00f6")],
  ])("hides a value %s", (_form, text) => {
    expect(mask.mask(`before ${text} after`)).toBe(`before ${SENSITIVE} after`);
  });

  it.each([0, 1, 2])("hides a value inside longer base64 text at alignment %i", (offset) => {
    const encoded = Buffer.concat([Buffer.from("xy".slice(0, offset)), bytes, Buffer.from("tail")]).toString("base64");
    const masked = mask.mask(encoded);
    expect(masked).toContain(SENSITIVE);
    // What is left around the mask is the prefix's and suffix's characters and at most one shared character each side.
    expect(masked.length - SENSITIVE.length).toBeLessThanOrEqual(Math.ceil((offset * 8) / 6) + 1 + 1 + 8);
    expect(mask.mask(urlSafe(encoded))).toContain(SENSITIVE);
  });

  it("leaves values shorter than the minimum alone", () => {
    expect(mask.mask("turn on")).toBe("turn on");
  });

  it("keeps every value added, old ones included", () => {
    const rotating = new OutputMask(["first-value"]);
    rotating.add(["second-value"]);
    expect(rotating.mask("first-value second-value")).toBe(`${SENSITIVE} ${SENSITIVE}`);
  });

  it("hides a value split across chunks at every cut, even inside a multi-byte character", async () => {
    const line = Buffer.from(`log: ${SECRET} done\n`);
    for (let cut = 1; cut < line.length; cut++) {
      const out = await throughStream(mask, [line.subarray(0, cut), line.subarray(cut)]);
      expect(out.toString()).toBe(`log: ${SENSITIVE} done\n`);
    }
  });

  it("hides the longer of two values when the shorter begins it and the chunk ends between them", async () => {
    const two = new OutputMask(["secret", "secret-longer"]);
    expect((await throughStream(two, [Buffer.from("a secret-lo"), Buffer.from("nger b")])).toString()).toBe(`a ${SENSITIVE} b`);
  });

  it("passes bytes that are not UTF-8 through unchanged", async () => {
    const binary = Buffer.from([0xff, 0xfe, 0x00, 0xe9, 0x41, 0x0a]);
    expect((await throughStream(mask, [binary])).equals(binary)).toBe(true);
  });

  it("masks, not lets out, the beginning of a value left when the output ends", async () => {
    expect((await throughStream(mask, [Buffer.from(`end ${SECRET.slice(0, 8)}`)])).toString()).toBe(`end ${SENSITIVE}`);
    expect((await throughStream(mask, [Buffer.from("end s3c")])).toString()).toBe("end s3c");
  });

  it("lets ordinary output through without waiting for more", async () => {
    const input = new PassThrough();
    const output = input.pipe(mask.stream());
    const first = new Promise<string>((resolve) => output.once("data", (c: Buffer) => resolve(c.toString())));
    input.write("ready\n");
    expect(await first).toBe("ready\n");
    input.end();
  });
});

describe("the sidecar's own lines are masked without the streams' regular expression", () => {
  const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

  it("property: the same text as replacing every form, longest first, leftmost first", () => {
    const pieces = fc.constantFrom("ab", "abc", "abcd", "abcdef", "cdab", "b", "é", "🔑", " ", "%", "==", "AB");
    const text = fc.array(pieces, { maxLength: 8 }).map((parts) => parts.join(""));
    fc.assert(
      fc.property(fc.array(text, { minLength: 1, maxLength: 6 }), text, text, (values, before, after) => {
        const line = `${before}${values[0]}${after}${values.at(-1)}`;
        const forms = [...new Set(values.flatMap(maskedForms))].sort((a, b) => b.length - a.length);
        const bytes = Buffer.from(line, "utf8").toString("latin1");
        const expected = forms.length === 0 ? bytes : bytes.replace(new RegExp(forms.map(escapeRegExp).join("|"), "g"), SENSITIVE);
        expect(new OutputMask(values).mask(line)).toBe(Buffer.from(expected, "latin1").toString("utf8"));
      }),
      { numRuns: 500 },
    );
  });
});

describe("sensitive texts of a render", () => {
  const resolved = (source: string, value: string, kind = ValueKind.STRING) => ({
    reference: parseReference(source) as Reference,
    resolved: create(ResolvedValueSchema, { reference: source, secretName: "S", version: 1n, kind, value }),
  });

  it("undoes filters: a workload given | base64 or | urlencode holds the value itself", () => {
    const texts = sensitiveTexts([
      resolved("$<secret.S | base64>", Buffer.from("raw-b64-value").toString("base64")),
      resolved("$<secret.S | urlencode | base64>", Buffer.from(encodeURIComponent("raw/url?value")).toString("base64")),
    ]);
    expect(texts).toEqual(expect.arrayContaining(["raw-b64-value", "raw/url?value"]));
  });

  it("adds each string leaf of a JSON value, and username:password whether resolved whole or field by field", () => {
    const whole = sensitiveTexts([
      resolved("$<secret.S>", JSON.stringify({ username: "u-whole", password: "p-whole", n: { deep: "leaf" } }), ValueKind.JSON),
    ]);
    expect(whole).toEqual(expect.arrayContaining(["u-whole", "p-whole", "leaf", "u-whole:p-whole"]));
    const fields = sensitiveTexts([resolved("$<secret.S.username>", "u-field"), resolved("$<secret.S.password | urlencode>", "p%2Ffield")]);
    expect(fields).toEqual(expect.arrayContaining(["u-field", "p/field", "u-field:p/field"]));
  });
});
