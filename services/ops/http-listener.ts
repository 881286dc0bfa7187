/** Binding the service's side HTTP servers (metrics, Connect) to a `host:port`. */
import type { Server } from "node:http";
import { listenError, type Listener } from "./listen-error.js";

export interface ListeningServer {
  /** The bound port (useful with port 0). */
  port: number;
  close(): Promise<void>;
}

export function splitHostPort(listen: string): { host: string; port: number } {
  const index = listen.lastIndexOf(":");
  const host = listen.slice(0, index).replace(/^\[|\]$/g, "");
  const port = Number(listen.slice(index + 1));
  if (index < 0 || !Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`"${listen}" is not host:port`);
  return { host, port };
}

export async function listen(server: Server, address: string, listener: Listener): Promise<ListeningServer> {
  const { host, port } = splitHostPort(address);
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error) => reject(listenError(listener, address, error)));
    server.listen(port, host, () => resolve());
  });
  const bound = server.address();
  return {
    port: typeof bound === "object" && bound ? bound.port : port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Streams end with the service's shutdown signal; idle keep-alive sockets go now.
        server.closeIdleConnections();
      }),
  };
}
