/**
 * The sidecar's own gRPC client (sidecar/grpc-channel.ts) against a scripted
 * HTTP/2 server: every kind of answer (a value, a stream, a gRPC error with
 * details, trailers-only, an HTTP error, a wrong content type, no status, a
 * reset stream, a refused connection) gives the same code and message as
 * connect-node's transport did, and deadlines, cancellation and connection
 * replacement hold (the scripted server: grpc-test-server.ts).
 */
import { constants, createServer } from "node:http2";
import { type AddressInfo, createServer as createTcpServer, connect as tcpConnect, type Server, type Socket } from "node:net";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { StatusSchema } from "../../gen/google/rpc/status_pb.js";
import {
  ReferenceErrorsSchema,
  ResolveSecretsResponseSchema,
  ResolverService,
  WatchEventType,
  WatchSecretsResponseSchema,
} from "../../gen/secrets/v1/resolver_service_pb.js";
import { createGrpcChannel, type GrpcChannel } from "../../sidecar/grpc-channel.js";
import { envelope } from "../../sidecar/grpc-envelope.js";
import { failure, GRPC, type Script, type ScriptedServer, startScriptedServer } from "./grpc-test-server.js";

const resolved = toBinary(
  ResolveSecretsResponseSchema,
  create(ResolveSecretsResponseSchema, { values: [{ secretName: "A", version: 3n, value: "not-a-secret" }] }),
);
const statusDetails = Buffer.from(
  toBinary(
    StatusSchema,
    create(StatusSchema, {
      code: Code.PermissionDenied,
      message: "not granted: B",
      details: [
        {
          typeUrl: "type.googleapis.com/secrets.v1.ReferenceErrors",
          value: toBinary(
            ReferenceErrorsSchema,
            create(ReferenceErrorsSchema, { errors: [{ index: 1, reference: "$<secret.B>", message: "no" }] }),
          ),
        },
        { typeUrl: "type.googleapis.com/google.rpc.ErrorInfo", value: toBinary(ErrorInfoSchema, create(ErrorInfoSchema, { reason: "X" })) },
      ],
    }),
  ),
).toString("base64");

/** What the server does, by the scenario the request names in its `x-scenario` header. */
const SCRIPTS: Record<string, Script> = {
  ok(stream) {
    stream.respond(GRPC, { waitForTrailers: true });
    const whole = envelope(resolved);
    // In two chunks, cut inside the length prefix.
    stream.write(whole.subarray(0, 3));
    setTimeout(() => {
      stream.write(whole.subarray(3));
      stream.end();
    }, 10);
    stream.once("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
  },
  errorInTrailers(stream) {
    stream.respond(GRPC, { waitForTrailers: true });
    stream.end();
    stream.once("wantTrailers", () =>
      stream.sendTrailers({
        "grpc-status": "7",
        "grpc-message": encodeURIComponent("not granted: B ✓"),
        "grpc-status-details-bin": statusDetails,
      }),
    );
  },
  trailersOnly(stream) {
    stream.respond({ ...GRPC, "grpc-status": "16", "grpc-message": "bad%20token" }, { endStream: true });
  },
  http503(stream) {
    stream.respond({ ":status": 503, "content-type": "text/plain" }, { endStream: true });
  },
  html(stream) {
    stream.respond({ ":status": 200, "content-type": "text/html" }, { endStream: true });
  },
  noStatus(stream) {
    stream.respond(GRPC);
    stream.end(envelope(resolved));
  },
  invalidStatus(stream) {
    stream.respond({ ...GRPC, "grpc-status": "99" }, { endStream: true });
  },
  refusedStream(stream) {
    stream.close(constants.NGHTTP2_REFUSED_STREAM);
  },
  noMessage(stream) {
    stream.respond(GRPC, { waitForTrailers: true });
    stream.end();
    stream.once("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
  },
  hang() {},
  stream(stream) {
    stream.respond(GRPC, { waitForTrailers: true });
    const event = (type: WatchEventType) => envelope(toBinary(WatchSecretsResponseSchema, create(WatchSecretsResponseSchema, { type })));
    // Two messages in one chunk, then a third later.
    stream.write(Buffer.concat([event(WatchEventType.SUBSCRIBED), event(WatchEventType.VALUE_UPDATED)]));
    setTimeout(() => stream.end(event(WatchEventType.DELETED)), 10);
    stream.once("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
  },
};

let server: ScriptedServer;
let baseUrl: string;

beforeAll(async () => {
  server = await startScriptedServer(SCRIPTS);
  baseUrl = server.baseUrl;
});

afterAll(() => server.close());

const request = { references: ["$<secret.A>", "$<secret.B>"], consumerId: "c" };
const options = (scenario: string, more: { timeoutMs?: number; signal?: AbortSignal } = {}) => ({
  headers: { "x-scenario": scenario },
  ...more,
});

/** The same call through connect-node's transport, which the sidecar used before. */
function viaConnect(url: string, scenario: string, more: { timeoutMs?: number } = {}) {
  const client = createClient(ResolverService, createGrpcTransport({ baseUrl: url }));
  return client.resolveSecrets(request, options(scenario, more));
}

const channel = (): GrpcChannel => createGrpcChannel({ baseUrl, pingIntervalMs: 15_000 });

describe("the sidecar's gRPC channel", () => {
  it("decodes a unary answer split inside its length prefix", async () => {
    const response = await channel().unary(ResolverService.method.resolveSecrets, request, options("ok"));
    expect(response.values.map((v) => [v.secretName, v.version])).toEqual([["A", 3n]]);
  });

  it("yields a server stream's messages as they come, two in a chunk and one after", async () => {
    const types: WatchEventType[] = [];
    for await (const event of channel().serverStream(ResolverService.method.watchSecrets, { names: ["A"] }, options("stream")))
      types.push(event.type);
    expect(types).toEqual([WatchEventType.SUBSCRIBED, WatchEventType.VALUE_UPDATED, WatchEventType.DELETED]);
  });

  it.each(["errorInTrailers", "trailersOnly", "http503", "html", "noStatus", "invalidStatus", "refusedStream", "noMessage"])(
    "%s: the same code and message as connect-node",
    async (scenario) => {
      const ours = await failure(channel().unary(ResolverService.method.resolveSecrets, request, options(scenario)));
      const theirs = await failure(viaConnect(baseUrl, scenario));
      expect({ code: Code[ours.code], message: ours.rawMessage }).toEqual({ code: Code[theirs.code], message: theirs.rawMessage });
      expect(ours.findDetails(ReferenceErrorsSchema)).toEqual(theirs.findDetails(ReferenceErrorsSchema));
      expect(ours.findDetails(ErrorInfoSchema)).toEqual(theirs.findDetails(ErrorInfoSchema));
    },
  );

  it("keeps a gRPC error's details (what the sidecar reports failing references from)", async () => {
    const error = await failure(channel().unary(ResolverService.method.resolveSecrets, request, options("errorInTrailers")));
    expect(error.code).toBe(Code.PermissionDenied);
    expect(error.rawMessage).toBe("not granted: B");
    expect(error.findDetails(ReferenceErrorsSchema)[0]?.errors[0]?.index).toBe(1);
  });

  it("a refused connection: Unavailable with Node's message, as connect-node", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));
    const ours = await failure(
      createGrpcChannel({ baseUrl: url, pingIntervalMs: 15_000 }).unary(ResolverService.method.resolveSecrets, request, options("ok")),
    );
    const theirs = await failure(viaConnect(url, "ok"));
    expect({ code: ours.code, message: ours.rawMessage }).toEqual({ code: theirs.code, message: theirs.rawMessage });
    expect(ours.code).toBe(Code.Unavailable);
  });

  it("a missed deadline is DeadlineExceeded, as connect-node, and the next call opens a new connection", async () => {
    const ours = channel();
    const error = await failure(ours.unary(ResolverService.method.resolveSecrets, request, options("hang", { timeoutMs: 200 })));
    const theirs = await failure(viaConnect(baseUrl, "hang", { timeoutMs: 200 }));
    expect({ code: error.code, message: error.rawMessage }).toEqual({ code: theirs.code, message: theirs.rawMessage });
    const before = server.sessions();
    await ours.unary(ResolverService.method.resolveSecrets, request, options("ok"));
    expect(server.sessions()).toBe(before + 1);
  });

  it("cancellation ends a stream with Canceled; calls on one channel share a connection", async () => {
    const ours = channel();
    await ours.unary(ResolverService.method.resolveSecrets, request, options("ok"));
    const before = server.sessions();
    const abort = new AbortController();
    const iterator = ours.serverStream(ResolverService.method.watchSecrets, { names: ["A"] }, options("hang", { signal: abort.signal }));
    const next = iterator[Symbol.asyncIterator]().next();
    abort.abort();
    const error = await failure(next);
    expect(error.code).toBe(Code.Canceled);
    await ours.unary(ResolverService.method.resolveSecrets, request, options("ok"));
    expect(server.sessions()).toBe(before);
  });

  it("a connection that stops answering PINGs fails its open stream, also after it was retired by a missed deadline", async () => {
    const proxy = await frozenProxy(new URL(baseUrl).port);
    try {
      const ours = createGrpcChannel({ baseUrl: `http://127.0.0.1:${proxy.port}`, pingIntervalMs: 100, pingTimeoutMs: 2000 });
      const watching = (async () => {
        for await (const _ of ours.serverStream(ResolverService.method.watchSecrets, { names: ["A"] }, options("hang"))) {
          // never answers
        }
      })();
      // A missed deadline retires the stream's connection: the retry's calls go on a new one.
      await failure(ours.unary(ResolverService.method.resolveSecrets, request, options("hang", { timeoutMs: 100 })));
      await ours.unary(ResolverService.method.resolveSecrets, request, options("ok"));
      proxy.freeze();
      const error = await failure(watching);
      expect({ code: error.code, message: error.rawMessage }).toEqual({ code: Code.Unavailable, message: "PING timed out" });
    } finally {
      proxy.close();
    }
  });
});

/** A TCP proxy to the test server whose connections stop passing bytes, both ways, when frozen: a dead network. */
async function frozenProxy(targetPort: string): Promise<{ port: number; freeze(): void; close(): void }> {
  let frozen = false;
  const sockets: Socket[] = [];
  const server: Server = createTcpServer((client) => {
    const upstream = tcpConnect(Number(targetPort), "127.0.0.1");
    sockets.push(client, upstream);
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      from.on("data", (chunk) => {
        if (!frozen) to.write(chunk);
      });
      from.on("error", () => {});
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    freeze: () => {
      frozen = true;
    },
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}
