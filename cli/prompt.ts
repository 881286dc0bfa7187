/**
 * Terminal prompts, written to stderr: a hidden line for secret values (no
 * echo, so the value never appears on screen or in scrollback) and a yes/no
 * confirmation. Both need a terminal; callers check for one first.
 */
import { createInterface } from "node:readline/promises";
import type { Readable, Writable } from "node:stream";
import { CliError, EXIT } from "./exit-codes.js";

/** A terminal input: a readable that can be switched to raw mode. */
export type TerminalInput = Readable & { isRaw?: boolean; setRawMode(mode: boolean): unknown };

const ENTER = new Set(["\r", "\n"]);
const CTRL_C = "\u0003";
const CTRL_D = "\u0004";
const BACKSPACE = new Set(["\u007f", "\b"]);

/** Reads one line without echoing it. Ctrl-C cancels; backspace edits. */
export function promptHidden(question: string, input: TerminalInput, output: Writable): Promise<string> {
  return new Promise((resolve, reject) => {
    output.write(question);
    const wasRaw = input.isRaw ?? false;
    let value = "";
    const finish = (error?: Error) => {
      input.off("data", onData);
      input.setRawMode(wasRaw);
      input.pause();
      output.write("\n");
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of String(chunk)) {
        if (ENTER.has(ch) || ch === CTRL_D) return finish();
        if (ch === CTRL_C) return finish(new CliError(EXIT.notConfirmed, "cancelled"));
        if (BACKSPACE.has(ch)) value = value.slice(0, -1);
        else value += ch;
      }
    };
    input.setRawMode(true);
    input.on("data", onData);
    input.resume();
  });
}

/** Asks the question until answered; true only for y/yes. */
export async function confirm(question: string, input: Readable, output: Writable): Promise<boolean> {
  const rl = createInterface({ input, output, terminal: false });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
