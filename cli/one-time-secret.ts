/**
 * Printing a credential the service shows only once (a new API token, a new
 * tenant's admin token): alone on stdout, so `> file` captures exactly it,
 * with the warning on stderr.
 */
import type { JsonValue } from "@bufbuild/protobuf";
import type { OutputFormat } from "./output.js";
import { printJson, printLine, printNotice } from "./output.js";

export function printOneTimeToken(format: OutputFormat, token: string, metadata: JsonValue, what: string): void {
  printNotice(`warning: ${what} is shown only this once and cannot be retrieved again; store it now, and keep it out of logs`);
  if (format === "json") printJson({ ...(metadata as object), token });
  else printLine(token);
}
