/**
 * Hides resolved values in text: the sidecar's own messages and, with
 * `--mask-output`, the workload's stdout and stderr (as `op run` does). Each
 * value is hidden as written and in the forms it is commonly printed in:
 * base64, URL-encoded and JSON-escaped; a JSON value also by each of its
 * string leaves. A stream keeps back only a tail that could be the start of a
 * value, so a value split across two output chunks is still caught.
 */
import { Transform } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { ValueKind } from "../gen/secrets/v1/resolver_service_pb.js";
import { applyFilters } from "../kernel/references.js";

export const SENSITIVE = "[[SENSITIVE]]";
/** Shorter values are not masked: hiding every "on" or "42" would garble the output and protect nothing. */
export const MIN_MASKED_LENGTH = 4;

export interface MaskableValue {
  kind: ValueKind;
  value: string;
}

function stringLeaves(json: unknown): string[] {
  if (typeof json === "string") return [json];
  if (json === null || typeof json !== "object") return [];
  return Object.values(json as Record<string, unknown>).flatMap(stringLeaves);
}

/** Every text form of the values worth hiding, longest first. */
export function maskedForms(values: readonly MaskableValue[]): string[] {
  const plain = new Set<string>();
  for (const { kind, value } of values) {
    plain.add(value);
    if (kind === ValueKind.JSON) for (const leaf of stringLeaves(JSON.parse(value))) plain.add(leaf);
  }
  const forms = new Set<string>();
  for (const value of plain) {
    forms.add(value);
    forms.add(applyFilters(value, ["base64"]));
    forms.add(applyFilters(value, ["urlencode"]));
    forms.add(JSON.stringify(value).slice(1, -1));
  }
  return [...forms].filter((form) => form.length >= MIN_MASKED_LENGTH).sort((a, b) => b.length - a.length);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export class OutputMask {
  private forms: string[] = [];
  private pattern: RegExp | undefined;

  constructor(values: readonly MaskableValue[] = []) {
    this.update(values);
  }

  /** Replaces the values hidden (after a re-render). */
  update(values: readonly MaskableValue[]): void {
    this.forms = maskedForms(values);
    this.pattern = this.forms.length === 0 ? undefined : new RegExp(this.forms.map(escapeRegExp).join("|"), "g");
  }

  mask(text: string): string {
    return this.pattern === undefined ? text : text.replace(this.pattern, SENSITIVE);
  }

  /** Where the tail that could begin a value starts (text.length when none could). */
  heldFrom(text: string): number {
    const longest = this.forms[0]?.length ?? 0;
    for (let at = Math.max(0, text.length - longest + 1); at < text.length; at++) {
      const tail = text.slice(at);
      if (this.forms.some((form) => form.startsWith(tail))) return at;
    }
    return text.length;
  }

  /**
   * A stream that masks what passes through. A held tail is let out after
   * `idleFlushMs` without more input, so a prompt without a newline still shows.
   */
  stream(idleFlushMs = 1000): Transform {
    const decoder = new StringDecoder("utf8");
    let held = "";
    let timer: NodeJS.Timeout | undefined;
    const mask = this;
    return new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        clearTimeout(timer);
        const text = held + decoder.write(chunk);
        // Mask first, then hold back only a tail after the last hidden value that could start another.
        const masked = mask.mask(text);
        const lastHidden = masked.lastIndexOf(SENSITIVE);
        const searchFrom = lastHidden === -1 ? 0 : lastHidden + SENSITIVE.length;
        const holdAt = searchFrom + mask.heldFrom(masked.slice(searchFrom));
        held = masked.slice(holdAt);
        if (holdAt > 0) this.push(masked.slice(0, holdAt));
        if (held.length > 0)
          timer = setTimeout(() => {
            this.push(held);
            held = "";
          }, idleFlushMs);
        callback();
      },
      flush(callback) {
        clearTimeout(timer);
        this.push(mask.mask(held + decoder.end()));
        held = "";
        callback();
      },
    });
  }
}
