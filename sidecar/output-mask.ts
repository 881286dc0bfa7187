/**
 * Hides resolved values in text: the sidecar's own messages and, with
 * `--mask-output`, the workload's stdout and stderr (as `op run` does).
 *
 * - Every value added stays hidden for the sidecar's whole life: after a
 *   rotation the old value is still in the workload's environment and memory.
 * - Each value is hidden as written and in the forms it is commonly printed
 *   in: JSON-escaped (also with \uXXXX for non-ASCII); percent-encoded as
 *   encodeURIComponent, with every reserved character encoded, as encodeURI
 *   and as a form (space as "+"), each with upper- or lower-case hex; hex of
 *   its UTF-8 bytes; base64, standard and URL-safe, padded and not, and inside
 *   a longer base64 text at each of the three byte alignments (the characters
 *   that depend on the value alone).
 * - The mask works on bytes (as latin1 strings), so output that is not UTF-8
 *   passes through unchanged.
 * - A stream never lets out a tail that could begin a value: it holds it until
 *   the rest arrives, however long that takes, and lets it out once the
 *   following bytes show it is not a value. The hold is bounded by the length
 *   of the longest form (or twice that when a whole value sits just before a
 *   tail that could begin a longer one). When the stream ends, a held tail of
 *   MIN_MASKED_LENGTH or more characters is masked, not let out.
 */
import { Transform } from "node:stream";

export const SENSITIVE = "[[SENSITIVE]]";
/** Shorter values (and forms) are not masked: hiding every "on" or "42" would garble the output and protect nothing. */
export const MIN_MASKED_LENGTH = 4;

const urlSafe = (base64: string) => base64.replace(/\+/g, "-").replace(/\//g, "_");
const hexByte = (char: string) => `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`;
const lowerHex = (percent: string) => percent.replace(/%[0-9A-F]{2}/g, (hexEscape) => hexEscape.toLowerCase());
/** The encoders throw on a lone surrogate; its UTF-8 form is U+FFFD's. */
const wellFormed = (text: string) => text.replace(/\p{Surrogate}/gu, "\uFFFD");
/** A string's UTF-8 bytes as a latin1 string: the unit the mask matches in. */
const bytesOf = (text: string) => Buffer.from(text, "utf8").toString("latin1");

function percentForms(text: string): string[] {
  const component = encodeURIComponent(wellFormed(text));
  const forms = [
    component,
    component.replace(/[!'()*]/g, hexByte), // every reserved character encoded
    encodeURI(wellFormed(text)),
    new URLSearchParams({ v: wellFormed(text) }).toString().slice(2),
  ];
  return forms.flatMap((form) => [form, lowerHex(form)]);
}

function base64Forms(bytes: Buffer): string[] {
  const padded = bytes.toString("base64");
  const forms = [padded, padded.replace(/=+$/, "")];
  for (let offset = 0; offset < 3; offset++) {
    // After `offset` other bytes, the characters from the first whose 6 bits all fall in the value to the last.
    const shifted = Buffer.concat([Buffer.alloc(offset), bytes]).toString("base64");
    forms.push(shifted.slice(Math.ceil((offset * 8) / 6), Math.floor(((offset + bytes.length) * 8) / 6)));
  }
  return forms.flatMap((form) => [form, urlSafe(form)]);
}

/** Every form of `text` worth hiding, as latin1 strings of bytes. */
export function maskedForms(text: string): string[] {
  if (text.length < MIN_MASKED_LENGTH) return [];
  const bytes = Buffer.from(text, "utf8");
  const json = JSON.stringify(text).slice(1, -1);
  const asciiJson = json.replace(/[\u007f-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
  const forms = new Set(
    [text, json, asciiJson, ...percentForms(text)]
      .map(bytesOf)
      .concat(bytes.toString("hex"), bytes.toString("hex").toUpperCase(), ...base64Forms(bytes)),
  );
  return [...forms].filter((form) => form.length >= MIN_MASKED_LENGTH);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export class OutputMask {
  private readonly texts = new Set<string>();
  private readonly forms = new Set<string>();
  /** Forms by their first character, longest first: for the sidecar's own lines, and for a tail that could begin one. */
  private readonly byFirst = new Map<string, string[]>();
  private longest = 0;
  /**
   * Every form, longest first, for the workload's streams. Built on a stream's first chunk: with 200
   * values it is a regular expression of ~6,000 alternatives whose compiled code takes ~2 MB, which a
   * sidecar without a workload never needs (BENCHMARKS.md, "Sidecar footprint").
   */
  private pattern: RegExp | undefined;
  /** Values added whose forms are not made yet: made when there is something to mask (~30 forms a value). */
  private readonly pending: string[] = [];

  constructor(texts: Iterable<string> = []) {
    this.add(texts);
  }

  /** Adds values to hide. Values added before stay hidden. */
  add(texts: Iterable<string>): void {
    for (const text of texts) {
      if (this.texts.has(text)) continue;
      this.texts.add(text);
      this.pending.push(text);
    }
  }

  private makePendingForms(): void {
    if (this.pending.length === 0) return;
    const touched = new Set<string[]>();
    for (const text of this.pending.splice(0)) {
      for (const form of maskedForms(text)) {
        if (this.forms.has(form)) continue;
        this.forms.add(form);
        const first = form[0]!;
        let sameFirst = this.byFirst.get(first);
        if (sameFirst === undefined) {
          sameFirst = [];
          this.byFirst.set(first, sameFirst);
        }
        sameFirst.push(form);
        touched.add(sameFirst);
        this.longest = Math.max(this.longest, form.length);
      }
    }
    if (touched.size === 0) return;
    for (const sameFirst of touched) sameFirst.sort((a, b) => b.length - a.length);
    this.pattern = undefined;
  }

  /** The sidecar's own messages. */
  mask(text: string): string {
    this.makePendingForms();
    return Buffer.from(this.maskLine(bytesOf(text)), "latin1").toString("utf8");
  }

  /** What the pattern's replace gives (leftmost, then longest form), without building the pattern: own lines are few and short. */
  private maskLine(bytes: string): string {
    let out = "";
    let copiedUntil = 0;
    for (let at = 0; at < bytes.length; ) {
      const form = this.byFirst.get(bytes[at]!)?.find((candidate) => bytes.startsWith(candidate, at));
      if (form === undefined) {
        at++;
        continue;
      }
      out += bytes.slice(copiedUntil, at) + SENSITIVE;
      at += form.length;
      copiedUntil = at;
    }
    return copiedUntil === 0 ? bytes : out + bytes.slice(copiedUntil);
  }

  private streamPattern(): RegExp | undefined {
    if (this.pattern === undefined && this.forms.size > 0) {
      // Longest first, so that where one form begins another the whole of the longer one is hidden.
      const alternatives = [...this.forms].sort((a, b) => b.length - a.length).map(escapeRegExp);
      this.pattern = new RegExp(alternatives.join("|"), "g");
    }
    return this.pattern;
  }

  private maskBytes(bytes: string): string {
    const pattern = this.streamPattern();
    return pattern === undefined ? bytes : bytes.replace(pattern, SENSITIVE);
  }

  /** Where the longest tail of `bytes` that is a proper prefix of some form starts; bytes.length if none. */
  private partialStart(bytes: string): number {
    for (let at = Math.max(0, bytes.length - this.longest + 1); at < bytes.length; at++) {
      const tail = bytes.length - at;
      const begins = (form: string) => {
        if (form.length <= tail) return false;
        for (let i = 1; i < tail; i++) if (form.charCodeAt(i) !== bytes.charCodeAt(at + i)) return false;
        return true;
      };
      if (this.byFirst.get(bytes[at]!)?.some(begins)) return at;
    }
    return bytes.length;
  }

  /** Where to stop letting `bytes` out: before a possible beginning of a value, and before any whole value it would cut. */
  private holdFrom(bytes: string): number {
    const at = this.partialStart(bytes);
    const pattern = this.streamPattern();
    if (at === bytes.length || pattern === undefined) return at;
    for (const match of bytes.matchAll(pattern)) {
      if (match.index >= at) break;
      if (match.index + match[0].length > at) return match.index;
    }
    return at;
  }

  /** A stream that masks the bytes passing through it. */
  stream(): Transform {
    const mask = this;
    let held = "";
    return new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        mask.makePendingForms();
        const bytes = held + chunk.toString("latin1");
        const holdAt = mask.holdFrom(bytes);
        held = bytes.slice(holdAt);
        if (holdAt > 0) this.push(Buffer.from(mask.maskBytes(bytes.slice(0, holdAt)), "latin1"));
        callback();
      },
      flush(callback) {
        mask.makePendingForms();
        const masked = mask.maskBytes(held);
        const partial = mask.partialStart(masked);
        const last = masked.length - partial >= MIN_MASKED_LENGTH ? masked.slice(0, partial) + SENSITIVE : masked;
        held = "";
        if (last.length > 0) this.push(Buffer.from(last, "latin1"));
        callback();
      },
    });
  }
}
