/** `npm start`: runs the secrets service until SIGTERM or SIGINT. */
import { parseServiceConfig } from "./config.js";
import { createLogger } from "./logger.js";

let logger = createLogger({ level: "info" });
try {
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
  logger.fatal(`cannot start: ${(error as Error).message}`);
  logger.flush();
  process.exitCode = 1;
}
