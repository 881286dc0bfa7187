/**
 * A scripted HTTP/2 server for the gRPC channel's tests: each request runs
 * the script its `x-scenario` header names.
 */
import { createServer, type IncomingHttpHeaders, type ServerHttp2Session, type ServerHttp2Stream } from "node:http2";
import type { AddressInfo } from "node:net";
import { ConnectError } from "@connectrpc/connect";
import { expect } from "vitest";

export type Script = (stream: ServerHttp2Stream) => void;

export const GRPC = { ":status": 200, "content-type": "application/grpc+proto" };

export interface ScriptedServer {
  baseUrl: string;
  /** Connections accepted so far. */
  sessions(): number;
  /** Closes the clients' connections too (the channels keep theirs open). */
  close(): Promise<void>;
}

export async function startScriptedServer(
  scripts: Record<string, Script>,
  onRequest: (headers: IncomingHttpHeaders) => void = () => {},
): Promise<ScriptedServer> {
  const server = createServer();
  let sessions = 0;
  const open = new Set<ServerHttp2Session>();
  server.on("session", (session) => {
    sessions++;
    open.add(session);
    session.on("close", () => open.delete(session));
  });
  server.on("stream", (stream, headers) => {
    stream.on("error", () => {});
    stream.resume();
    onRequest(headers);
    scripts[String(headers["x-scenario"])]!(stream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    sessions: () => sessions,
    async close() {
      for (const session of open) session.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The error a call failed with, which must be a ConnectError. */
export async function failure(call: Promise<unknown>): Promise<ConnectError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, "the call should have failed with a ConnectError").toBeInstanceOf(ConnectError);
  return error as ConnectError;
}
