/** The HTTP/1.1 server behind the Connect-protocol endpoint (HTTPS with the gRPC port's certificate when TLS is on). */
import type { ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { createServer as createHttpServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { listen, type ListeningServer } from "../ops/http-listener.js";

export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
  /** When set, clients must present a certificate chaining to it. */
  clientCa?: Buffer;
}

export function serveConnect(
  address: string,
  tls: TlsFiles | undefined,
  routes: (router: ConnectRouter) => void,
): Promise<ListeningServer> {
  const handler = connectNodeAdapter({ routes });
  const server = tls
    ? createHttpsServer(
        { cert: tls.cert, key: tls.key, ...(tls.clientCa && { ca: tls.clientCa, requestCert: true, rejectUnauthorized: true }) },
        handler,
      )
    : createHttpServer(handler);
  return listen(server, address);
}
