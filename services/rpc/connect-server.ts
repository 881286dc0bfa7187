/**
 * The HTTP/1.1 server behind the Connect-protocol endpoint (HTTPS with the
 * gRPC port's certificate when TLS is on); what no RPC route matches is the
 * web console's static files. Every response carries the security headers.
 */
import { createContextValues, type ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { bearerToken } from "../auth/api-tokens.js";
import type { StatusCodeName } from "../../kernel/status-code-names.js";
import { ServiceError } from "../domain/errors.js";
import { statusCodeOf } from "./status-codes.js";
import { consoleFiles, setSecurityHeaders } from "../ops/console-files.js";
import { listen, type ListeningServer } from "../ops/http-listener.js";
import { PEER } from "./connect-routes.js";

export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
  /** When set, clients must present a certificate chaining to it. */
  clientCa?: Buffer;
}

export interface ConnectLimits {
  /** The gRPC port's message size limit, for bodies too. */
  maxMessageBytes: number;
}

export function serveConnect(
  address: string,
  tls: TlsFiles | undefined,
  { maxMessageBytes }: ConnectLimits,
  routes: (router: ConnectRouter) => void,
): Promise<ListeningServer> {
  const files = consoleFiles();
  // Only HTTP/1.1 servers are made here, so the fallback always gets http's own request type.
  const fallback = (req: unknown, res: unknown) => files(req as IncomingMessage, res as ServerResponse);
  const api = connectNodeAdapter({
    routes,
    readMaxBytes: maxMessageBytes,
    fallback,
    contextValues: (req) => createContextValues().set(PEER, peerOf(req)),
  });
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    setSecurityHeaders(res);
    const refusal = refusalBeforeBody(req, maxMessageBytes);
    if (refusal) refuse(req, res, refusal);
    else api(req, res);
  };
  const server = tls
    ? createHttpsServer(
        { cert: tls.cert, key: tls.key, ...(tls.clientCa && { ca: tls.clientCa, requestCert: true, rejectUnauthorized: true }) },
        handler,
      )
    : createHttpServer(handler);
  // A request's headers and body must arrive in time: a half-sent request does not hold a socket forever.
  // (Idle keep-alive sockets already close after Node's keepAliveTimeout, 5 s.)
  server.headersTimeout = 10_000;
  server.requestTimeout = 60_000;
  return listen(server, address, { name: "Connect", flag: "--connect-listen" });
}

/**
 * What is wrong with an API call that can be seen before its body is read:
 * no well-formed bearer token, or a declared body over the message size
 * limit. (The token itself is looked up by the call pipeline, as for gRPC.)
 */
function refusalBeforeBody(req: IncomingMessage, maxMessageBytes: number): ServiceError | undefined {
  if (req.method === "GET" || req.method === "HEAD") return undefined;
  try {
    bearerToken(req.headers.authorization);
  } catch (error) {
    return error as ServiceError;
  }
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > maxMessageBytes)
    return new ServiceError(`the request body is larger than the limit of ${maxMessageBytes} bytes`, {
      reason: "MESSAGE_TOO_LARGE",
    });
  return undefined;
}

const HTTP_STATUS: Partial<Record<StatusCodeName, number>> = { UNAUTHENTICATED: 401, RESOURCE_EXHAUSTED: 413 };

/** Answers with a Connect error and closes the connection, so the unread body is never read. */
function refuse(req: IncomingMessage, res: ServerResponse, error: ServiceError): void {
  res.on("finish", () => req.socket.destroy());
  const code = statusCodeOf(error);
  res.writeHead(HTTP_STATUS[code] ?? 400, { "content-type": "application/json", connection: "close" });
  res.end(JSON.stringify({ code: code.toLowerCase(), message: error.message }));
}

/** `host:port`, or `[v6]:port`, as grpc-js names its peers. */
function peerOf(req: { socket: { remoteAddress?: string; remotePort?: number } }): string {
  const { remoteAddress = "unknown", remotePort } = req.socket;
  return `${remoteAddress.includes(":") ? `[${remoteAddress}]` : remoteAddress}:${remotePort ?? 0}`;
}
