/** `login` (write a context) and `context list|use`: where the CLI connects and with which token. */
import { resolve } from "node:path";
import type { Command } from "commander";
import { configPath, loadConfig, readTokenFile, saveConfig, type Context } from "../config.js";
import { CliError, EXIT } from "../exit-codes.js";
import { outputFormat } from "../command-context.js";
import { printJson, printLine, renderTable } from "../output.js";

export function registerContextCommands(program: Command): void {
  program
    .command("login")
    .description("save a context (address, token file, TLS) and make it the current one")
    .argument("[name]", "the context's name", "default")
    .requiredOption("--address <host:port>", "the service's gRPC address (or an https:// URL)")
    .requiredOption("--token-file <path>", "file holding the API token (kept as a path; the token is never copied)")
    .option("--tls", "connect with TLS (implied by --ca-file and https://)")
    .option("--ca-file <path>", "CA certificate (PEM) the service's certificate must chain to")
    .action(async (name: string, options: { address: string; tokenFile: string; tls?: boolean; caFile?: string }) => {
      const tokenFile = resolve(options.tokenFile);
      await readTokenFile(tokenFile); // fail now, not at the next command
      const context: Context = {
        address: options.address,
        tokenFile,
        tls: Boolean(options.tls || options.caFile),
        ...(options.caFile && { caFile: resolve(options.caFile) }),
      };
      const path = configPath();
      const config = await loadConfig(path);
      await saveConfig(path, { ...config, currentContext: name, contexts: { ...config.contexts, [name]: context } });
      printLine(`context ${name} saved in ${path} and made current`);
    });

  const contexts = program.command("context").description("list and switch contexts");

  contexts
    .command("list")
    .description("list the saved contexts (* marks the current one)")
    .action(async (_options: object, command: Command) => {
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
    });

  contexts
    .command("use")
    .description("make a saved context the current one")
    .argument("<name>", "the context")
    .action(async (name: string) => {
      const path = configPath();
      const config = await loadConfig(path);
      if (!config.contexts[name]) throw new CliError(EXIT.config, `no context named ${name} (see: secretsctl context list)`);
      await saveConfig(path, { ...config, currentContext: name });
      printLine(`current context: ${name}`);
    });
}
