/**
 * The sidecar's messages, one line each on stderr. Once the values are known
 * (exec, watch), every line passes through the output mask first: messages are
 * built never to hold a value, and the mask is the second guard.
 */
export interface TextMask {
  mask(text: string): string;
}

export class SidecarLog {
  private hide: TextMask | undefined;

  constructor(private readonly out: NodeJS.WritableStream = process.stderr) {}

  /** From now on, every line passes through `mask`. */
  maskWith(mask: TextMask): void {
    this.hide = mask;
  }

  info(message: string): void {
    this.out.write(`secrets-sidecar: ${this.hide?.mask(message) ?? message}\n`);
  }

  /** A heading and one indented line per problem. */
  problems(heading: string, problems: readonly string[]): void {
    this.info([heading, ...problems.map((p) => `  ${p}`)].join("\n"));
  }
}
