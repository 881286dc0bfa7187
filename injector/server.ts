/**
 * The webhook's HTTPS server: POST /mutate takes an AdmissionReview, GET
 * /healthz answers "ok". A body that is too large, not JSON or not a review
 * gets a clear 4xx with the reason; nothing a caller sends can crash it. The
 * certificate is read again when its files change (cert-manager renews it).
 */
import { readFileSync, watchFile, unwatchFile } from "node:fs";
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { admit, BadReview } from "./admission.js";
import type { InjectorConfig } from "./config.js";

/** Larger than any pod the API server stores (etcd's 1.5 MiB object limit), plus the review around it. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export interface TlsFiles {
  cert: string;
  key: string;
  /** How often the certificate file is checked for a change. */
  checkIntervalMs?: number;
}

export interface RunningInjector {
  server: Server;
  port: number;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers["content-length"] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      request.resume(); // discarded unread, so the caller can finish sending and read the refusal
      return reject(new HttpError(413, `the body is larger than ${MAX_BODY_BYTES} bytes`));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, `the body is larger than ${MAX_BODY_BYTES} bytes`));
        request.removeAllListeners("data");
        request.resume(); // discarded unread, so the refusal can still be read
        return;
      }
      chunks.push(chunk);
    });
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  response.end(text);
}

async function handleMutate(request: IncomingMessage, response: ServerResponse, config: InjectorConfig, log: Logger): Promise<void> {
  const type = request.headers["content-type"] ?? "";
  if (!type.startsWith("application/json")) throw new HttpError(415, "expected content-type application/json");
  const raw = await readBody(request);
  let body: unknown;
  try {
    body = JSON.parse(raw.toString("utf8"));
  } catch {
    throw new HttpError(400, "the body is not JSON");
  }
  try {
    const { review, outcome } = admit(body, config);
    log.info({ uid: review.response.uid, pod: outcome.pod, result: outcome.result, reason: outcome.reason }, `pod ${outcome.result}`);
    send(response, 200, review);
  } catch (error) {
    if (error instanceof BadReview) throw new HttpError(400, error.message);
    throw error;
  }
}

function handler(config: InjectorConfig, log: Logger) {
  return (request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? "").split("?")[0];
    const work =
      request.method === "POST" && path === "/mutate"
        ? handleMutate(request, response, config, log)
        : request.method === "GET" && path === "/healthz"
          ? Promise.resolve(send(response, 200, { status: "ok" }))
          : Promise.reject(new HttpError(404, "POST /mutate or GET /healthz"));
    work.catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      const message = error instanceof HttpError ? error.message : "internal error";
      if (status === 500) log.error({ err: error }, "review failed");
      else log.warn({ status, reason: message, path }, "request refused");
      if (!response.headersSent) send(response, status, { error: message });
    });
  };
}

/** Starts the webhook on host:port (port 0: any). */
export async function startInjector(
  config: InjectorConfig,
  tls: TlsFiles,
  listen: { host: string; port: number },
  log: Logger,
): Promise<RunningInjector> {
  const read = () => ({ cert: readFileSync(tls.cert), key: readFileSync(tls.key) });
  const server = createServer({ ...read(), requestTimeout: 30_000, headersTimeout: 10_000 }, handler(config, log));
  server.on("tlsClientError", (error) => log.debug({ reason: error.message }, "TLS handshake failed"));
  // cert-manager replaces the files (a Secret volume swaps a symlink); polling sees it either way.
  const reload = () => {
    try {
      server.setSecureContext(read());
      log.info("certificate reloaded");
    } catch (error) {
      log.error({ reason: (error as Error).message }, "certificate reload failed; keeping the previous one");
    }
  };
  watchFile(tls.cert, { interval: tls.checkIntervalMs ?? 30_000 }, reload);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  log.info({ port }, "secrets-injector listening");
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        unwatchFile(tls.cert, reload);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
