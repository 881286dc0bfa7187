/**
 * protobuf-es decodes each string field with a default TextDecoder, which
 * drops a leading U+FEFF (it takes it for a byte order mark): a value stored
 * as "\ufeffx" would arrive as "x". Every program that decodes our messages
 * calls this once before its first call, so any character a person can store
 * comes back. The setting is process-wide (protobuf-es keeps it on globalThis).
 */
import { configureTextEncoding } from "@bufbuild/protobuf/wire";

export function keepLeadingByteOrderMarks(): void {
  const encoder = new TextEncoder();
  const lenient = new TextDecoder("utf-8", { ignoreBOM: true });
  const strict = new TextDecoder("utf-8", { ignoreBOM: true, fatal: true });
  configureTextEncoding({
    encodeUtf8: (text) => encoder.encode(text),
    // Without it protobuf-es emulates it with encodeUtf8: a new buffer per string field written.
    encodeUtf8Into: (text, into) => encoder.encodeInto(text, into),
    decodeUtf8: (bytes, fatal) => (fatal ? strict : lenient).decode(bytes),
    // As protobuf-es's own check: a lone surrogate cannot be encoded as UTF-8.
    checkUtf8: (text) => {
      try {
        encodeURIComponent(text);
        return true;
      } catch {
        return false;
      }
    },
  });
}
