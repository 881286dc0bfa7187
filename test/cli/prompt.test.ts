/**
 * The hidden prompt, driven through a stand-in terminal: the typed value is
 * returned and never echoed; backspace edits; Ctrl-C cancels; raw mode is
 * restored.
 */
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { CliError } from "../../cli/exit-codes.js";
import { promptHidden, type TerminalInput } from "../../cli/prompt.js";

function fakeTerminal() {
  const modes: boolean[] = [];
  const stream = new PassThrough();
  const input: TerminalInput & PassThrough = Object.assign(stream, {
    isRaw: false,
    setRawMode(mode: boolean): void {
      modes.push(mode);
      input.isRaw = mode;
    },
  });
  const output = new PassThrough();
  let echoed = "";
  output.on("data", (chunk) => (echoed += String(chunk)));
  return { input, output, modes, echoed: () => echoed };
}

describe("promptHidden", () => {
  it("returns the typed line without echoing it, honouring backspace, and restores the mode", async () => {
    const term = fakeTerminal();
    const answer = promptHidden("Value: ", term.input, term.output);
    term.input.write("s3cr3t-valuX");
    term.input.write("\u007fe\r");
    await expect(answer).resolves.toBe("s3cr3t-value");
    expect(term.echoed()).toBe("Value: \n");
    expect(term.modes).toEqual([true, false]);
    expect(term.input.listenerCount("data")).toBe(0);
  });

  it("Ctrl-C cancels without returning what was typed", async () => {
    const term = fakeTerminal();
    const answer = promptHidden("Value: ", term.input, term.output);
    term.input.write("partial\u0003");
    const error = await answer.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).message).toBe("cancelled");
    expect(term.echoed()).not.toContain("partial");
    expect(term.modes).toEqual([true, false]);
  });
});
