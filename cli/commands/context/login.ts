/** `login [NAME]`: save a context (address, token file, TLS) and make it the current one. */
import { resolve } from "node:path";
import { configPath, loadConfig, readTokenFile, saveConfig, type Context } from "../../config.js";
import { printLine } from "../../output.js";
import type { CliCommand } from "../cli-command.js";

export const loginCommand: CliCommand = {
  path: ["login"],
  define: (command) =>
    command
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
      }),
};
