/**
 * The sidecar's gRPC channel (sidecar/grpc-channel.ts) at its limits: a peer
 * that accepts TCP but never speaks HTTP/2, a deadline too long for a timer
 * or for the grpc-timeout header, a length prefix promising a huge message,
 * a call the connection refuses at once, and an idle channel, which must not
 * keep the process alive.
 */
import { spawn } from "node:child_process";
import { type AddressInfo, createServer as createTcpServer, type Socket } from "node:net";
import { join } from "node:path";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ResolveSecretsResponseSchema, ResolverService } from "../../gen/secrets/v1/resolver_service_pb.js";
import { createGrpcChannel, grpcTimeoutHeader } from "../../sidecar/grpc-channel.js";
import { EnvelopeReader, envelope } from "../../sidecar/grpc-envelope.js";
import { failure, GRPC, type Script, type ScriptedServer, startScriptedServer } from "./grpc-test-server.js";

const resolved = envelope(
  toBinary(ResolveSecretsResponseSchema, create(ResolveSecretsResponseSchema, { values: [{ secretName: "A", version: 3n }] })),
);
const request = { references: ["$<secret.A>"], consumerId: "c" };

/** The grpc-timeout headers the server was sent, in order. */
const timeouts: string[] = [];

const SCRIPTS: Record<string, Script> = {
  ok(stream) {
    stream.respond(GRPC, { waitForTrailers: true });
    stream.end(resolved);
    stream.once("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
  },
  /** Answers a little later: long after a deadline of 1 ms. */
  slowOk(stream) {
    setTimeout(() => SCRIPTS.ok!(stream), 100);
  },
  /** A length prefix of 4 GiB - 1, a few bytes of it, then a clean end. */
  hugePrefix(stream) {
    stream.respond(GRPC, { waitForTrailers: true });
    const prefix = Buffer.from([0, 0xff, 0xff, 0xff, 0xff]);
    stream.end(Buffer.concat([prefix, Buffer.alloc(16)]));
    stream.once("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
  },
};

let server: ScriptedServer;
let baseUrl: string;

beforeAll(async () => {
  server = await startScriptedServer(SCRIPTS, (headers) => {
    if (headers["grpc-timeout"] !== undefined) timeouts.push(String(headers["grpc-timeout"]));
  });
  baseUrl = server.baseUrl;
});

afterAll(() => server.close());

const options = (scenario: string, more: { timeoutMs?: number } = {}) => ({ headers: { "x-scenario": scenario }, ...more });
const resolveOn = (channel: ReturnType<typeof createGrpcChannel>, scenario: string, more: { timeoutMs?: number } = {}) =>
  channel.unary(ResolverService.method.resolveSecrets, request, options(scenario, more));

describe("the sidecar's gRPC channel at its limits", () => {
  it("a peer that accepts TCP but never answers fails the call Unavailable, also a stream without a deadline", async () => {
    const sockets: Socket[] = [];
    const silent = createTcpServer((socket) => {
      sockets.push(socket);
      socket.on("error", () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      const channel = createGrpcChannel({
        baseUrl: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
        pingIntervalMs: 15_000,
        connectTimeoutMs: 200,
      });
      const watch = async () => {
        for await (const _ of channel.serverStream(ResolverService.method.watchSecrets, { names: ["A"] }, options("ok"))) {
          // never reached
        }
      };
      const error = await failure(watch());
      expect(error.code).toBe(Code.Unavailable);
      expect(error.rawMessage).toMatch(/timed out/);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  it("grpc-timeout stays within 8 digits, in a larger unit when needed", () => {
    expect(grpcTimeoutHeader(1)).toBe("1m");
    expect(grpcTimeoutHeader(0.2)).toBe("1m");
    expect(grpcTimeoutHeader(99_999_999)).toBe("99999999m");
    expect(grpcTimeoutHeader(100_000_000)).toBe("100000S");
    expect(grpcTimeoutHeader(100_000_001)).toBe("100001S");
    expect(grpcTimeoutHeader(2 ** 31 - 1)).toBe("2147484S");
    expect(grpcTimeoutHeader(1e14)).toBe("27777778H");
  });

  it("a deadline beyond a timer's range neither fires at once nor sends an invalid grpc-timeout", async () => {
    const channel = createGrpcChannel({ baseUrl, pingIntervalMs: 15_000 });
    const response = await resolveOn(channel, "slowOk", { timeoutMs: 2 ** 31 + 10 });
    expect(response.values[0]?.secretName).toBe("A");
    expect(timeouts.at(-1)).toMatch(/^\d{1,8}[HMSmun]$/);
  });

  it("a length prefix over the message size limit fails ResourceExhausted", async () => {
    const channel = createGrpcChannel({ baseUrl, pingIntervalMs: 15_000 });
    const error = await failure(resolveOn(channel, "hugePrefix"));
    expect(error.code).toBe(Code.ResourceExhausted);
    expect(error.rawMessage).toMatch(/4294967295 bytes/);
  });

  it("a message in many chunks is joined once, not once per chunk", () => {
    const message = Buffer.alloc(10_000, 7);
    const whole = envelope(message);
    const concat = vi.spyOn(Buffer, "concat");
    try {
      const reader = new EnvelopeReader();
      const out: Uint8Array[] = [];
      for (let at = 0; at < whole.length; at += 100) out.push(...reader.read(whole.subarray(at, at + 100)));
      reader.end();
      expect(out.map((m) => Buffer.from(m).equals(message))).toEqual([true]);
      expect(concat.mock.calls.length).toBeLessThanOrEqual(2);
    } finally {
      concat.mockRestore();
    }
  });

  it("a call the connection refuses at once is a ConnectError, and the next call gets a new connection", async () => {
    const channel = createGrpcChannel({ baseUrl, pingIntervalMs: 15_000 });
    await resolveOn(channel, "ok");
    // Node refuses this header name synchronously, and destroys the connection with it.
    const refused = channel.unary(ResolverService.method.resolveSecrets, request, { headers: { "bad name": "x" } });
    const error = await failure(refused);
    expect(error.rawMessage).toMatch(/valid HTTP token/);
    expect((await resolveOn(channel, "ok")).values[0]?.secretName).toBe("A");
  });

  it("an idle channel does not keep the process alive", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "one-call.ts"), baseUrl], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    try {
      const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
      expect(code, output).toBe(0);
      expect(output).toContain("resolved A");
    } finally {
      child.kill();
    }
  }, 60_000);
});
