/** `context list`: the saved contexts, the current one marked. */
import type { Command } from "commander";
import { outputFormat } from "../../command-context.js";
import { configPath, loadConfig } from "../../config.js";
import { printJson, printLine, renderTable } from "../../output.js";
import type { CliCommand } from "../cli-command.js";

export const contextListCommand: CliCommand = {
  path: ["context", "list"],
  define: (command) =>
    command.description("list the saved contexts (* marks the current one)").action(async (_options: object, command: Command) => {
      const config = await loadConfig(configPath());
      if (outputFormat(command) === "json") return printJson({ currentContext: config.currentContext ?? null, contexts: config.contexts });
      printLine(
        renderTable(
          ["CURRENT", "NAME", "ADDRESS", "TOKEN FILE", "TLS"],
          Object.entries(config.contexts).map(([name, c]) => [
            name === config.currentContext ? "*" : "",
            name,
            c.address,
            c.tokenFile,
            c.caFile ? `ca ${c.caFile}` : c.tls ? "yes" : "no",
          ]),
        ),
      );
    }),
};
