/**
 * `keys rotate`: a new version of the tenant's key, then every stored value
 * rewrapped to it, then the older versions retired once nothing needs them.
 * Progress goes to stderr: a bar on a terminal, plain lines
 * otherwise (logs, CI); the result goes to stdout.
 */
import { Presets, SingleBar } from "cli-progress";
import type { Command } from "commander";
import type { RotateTenantKeyResponse } from "../../../gen/secrets/v1/admin_service_pb.js";
import { connect, outputFormat } from "../../command-context.js";
import { printJson, printLine, printNotice } from "../../output.js";
import type { CliCommand } from "../cli-command.js";

interface ProgressView {
  update(progress: RotateTenantKeyResponse): void;
  stop(): void;
}

function progressBar(): ProgressView {
  const bar = new SingleBar(
    { stream: process.stderr, format: "rewrapping to key version {keyVersion} [{bar}] {value}/{total}", hideCursor: true },
    Presets.shades_classic,
  );
  let started = false;
  return {
    update(progress) {
      const payload = { keyVersion: progress.keyVersion };
      if (!started) bar.start(Number(progress.total), Number(progress.rewrapped), payload);
      else bar.update(Number(progress.rewrapped), payload);
      started = true;
    },
    stop: () => bar.stop(),
  };
}

function progressLines(): ProgressView {
  return {
    update: (p) => printNotice(`rewrapped ${p.rewrapped}/${p.total} to key version ${p.keyVersion}`),
    stop: () => undefined,
  };
}

export const keysRotateCommand: CliCommand = {
  path: ["keys", "rotate"],
  define: (command) =>
    command
      .description("add a new key version and rewrap every stored value to it, showing progress")
      .action(async (_options: object, command: Command) => {
        const clients = await connect(command);
        const view = process.stderr.isTTY ? progressBar() : progressLines();
        let last: RotateTenantKeyResponse | undefined;
        try {
          for await (const progress of clients.admin.rotateTenantKey({})) {
            view.update(progress);
            last = progress;
          }
        } finally {
          view.stop();
        }
        const result = {
          keyVersion: last?.keyVersion ?? 0,
          rewrapped: Number(last?.rewrapped ?? 0),
          done: last?.done ?? false,
          minDecryptionVersion: last?.minDecryptionVersion ?? 0,
          remaining: Number(last?.remaining ?? 0),
        };
        if (outputFormat(command) === "json") printJson(result);
        else {
          printLine(`tenant key rotated to version ${result.keyVersion}; ${result.rewrapped} stored value(s) rewrapped`);
          printLine(
            result.remaining === 0
              ? `key versions in use: ${result.minDecryptionVersion}..${result.keyVersion}; older versions are retired and open nothing`
              : `${result.remaining} stored value(s) still on older key versions (${result.minDecryptionVersion}..${result.keyVersion - 1} stay usable); run the rotation again to finish`,
          );
        }
      }),
};
