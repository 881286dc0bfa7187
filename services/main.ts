/** `npm start`: runs the secrets service until SIGTERM or SIGINT. */
import { resolve } from "node:path";
import { parseServiceConfig } from "./config.js";
import { createLogger } from "./logger.js";

let logger = createLogger({ level: "info" });
const [first, ...rest] = process.argv.slice(2);
try {
  if (first === "break-glass") {
    // `secrets-service break-glass --out FILE [the service's own flags]`: offline, on the service's host.
    const at = rest.indexOf("--out");
    const out = at >= 0 ? rest[at + 1] : undefined;
    if (out === undefined) throw new Error("break-glass needs --out FILE (a new file; the token is written there, mode 0600)");
    const config = parseServiceConfig(rest.filter((_, i) => i !== at && i !== at + 1));
    logger = createLogger({ level: config.logLevel });
    const { breakGlass } = await import("./admin/break-glass.js");
    await breakGlass(config, resolve(out), logger);
    logger.flush();
    process.exit(0);
  }
  const config = parseServiceConfig(process.argv.slice(2));
  logger = createLogger({ level: config.logLevel });
  // Loaded only now, so `--help` and a bad flag answer without loading the server.
  const { startService } = await import("./server.js");
  const service = await startService(config, logger);
  for (const signal of ["SIGTERM", "SIGINT"] as const)
    process.once(signal, () => {
      logger.info({ signal }, "shutting down");
      void service.shutdown().then(() => process.exit(0));
    });
} catch (error) {
  // Start-up errors are the operator's to fix: one clear line, non-zero exit.
  logger.fatal(`${first === "break-glass" ? "break-glass failed" : "cannot start"}: ${(error as Error).message}`);
  logger.flush();
  process.exitCode = 1;
}
