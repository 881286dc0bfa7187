/**
 * Structured JSON logs (pino). Nothing the service logs is built from a
 * value; the redaction below is the second line of defence for headers and
 * fields that could carry a token or a value if someone logs a request.
 */
import { pino, type DestinationStream, type Logger } from "pino";

export type { Logger };

export const REDACTED = "[[SENSITIVE]]";

export function createLogger(options: { level: string; destination?: DestinationStream }): Logger {
  return pino(
    {
      level: options.level,
      base: { service: "secrets-service" },
      redact: {
        paths: [
          "authorization",
          "*.authorization",
          "token",
          "*.token",
          "value",
          "*.value",
          "password",
          "*.password",
          "masterKey",
          "*.masterKey",
        ],
        censor: REDACTED,
      },
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
