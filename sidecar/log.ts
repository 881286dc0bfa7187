/**
 * The sidecar's messages, one line each on stderr. Every line passes through
 * the output mask first: messages are built never to hold a value, and the
 * mask is the second guard.
 */
import { OutputMask } from "./output-mask.js";

export class SidecarLog {
  constructor(
    readonly mask: OutputMask = new OutputMask(),
    private readonly out: NodeJS.WritableStream = process.stderr,
  ) {}

  info(message: string): void {
    this.out.write(`secrets-sidecar: ${this.mask.mask(message)}\n`);
  }

  /** A heading and one indented line per problem. */
  problems(heading: string, problems: readonly string[]): void {
    this.info([heading, ...problems.map((p) => `  ${p}`)].join("\n"));
  }
}
