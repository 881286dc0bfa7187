/**
 * Config files are UTF-8. Bytes that are not (a Latin-1 "é" in a comment)
 * would otherwise turn into U+FFFD silently and be written back changed, so
 * they are refused with where they are.
 */
import { isUtf8 } from "node:buffer";

/** The text of `bytes`; throws, naming `displayPath`, line and column, if they are not UTF-8. */
export function decodeUtf8(bytes: Buffer, displayPath: string): string {
  const text = bytes.toString("utf8");
  if (isUtf8(bytes)) return text;
  // Each U+FFFD in the text is a genuine one (EF BF BD) or stands for the first bad sequence; before that, all is valid.
  let byteOffset = 0;
  let copied = 0;
  for (let at = text.indexOf("\uFFFD"); at !== -1; at = text.indexOf("\uFFFD", at + 1)) {
    byteOffset += Buffer.byteLength(text.slice(copied, at));
    copied = at;
    if (bytes[byteOffset] !== 0xef || bytes[byteOffset + 1] !== 0xbf || bytes[byteOffset + 2] !== 0xbd) {
      const line = text.slice(0, at).split("\n").length;
      const column = at - text.lastIndexOf("\n", at - 1);
      const byte = bytes[byteOffset]!.toString(16).toUpperCase().padStart(2, "0");
      throw new Error(
        `${displayPath}:${line}:${column} — not valid UTF-8 (byte 0x${byte} at byte offset ${byteOffset}); ` +
          "config files must be UTF-8: convert it (e.g. iconv -f latin1 -t utf-8)",
      );
    }
  }
  throw new Error(`${displayPath} — not valid UTF-8`); // unreachable: a bad sequence always decodes to U+FFFD
}
