/**
 * gRPC health checking (grpc.health.v1) with a status per service: SERVING
 * while the metadata store and the cipher answer, NOT_SERVING while either
 * does not. Probed on an interval, so a load balancer or kubelet sees an
 * outage within one interval.
 */
import * as grpc from "@grpc/grpc-js";
import { create } from "@bufbuild/protobuf";
import {
  Health,
  HealthCheckResponse_ServingStatus as ServingStatus,
  HealthCheckResponseSchema,
  type HealthCheckRequest,
  type HealthCheckResponse,
} from "../../gen/grpc/health/v1/health_pb.js";
import type { Logger } from "../logger.js";
import type { Cipher } from "../ports/cipher.js";
import type { StoreLifecycle } from "../ports/metadata-store.js";
import { generatedServiceDefinition } from "./generated-methods.js";

export class HealthReporter {
  /** "" (the server as a whole) and each API service: all share one status, the backends'. */
  private readonly names: ReadonlySet<string>;
  private timer: NodeJS.Timeout | undefined;
  private serving: boolean | undefined;
  private stopped = false;
  /** Open Watch streams, told of each change, and ended by stop() (an open call would hold a graceful shutdown for its whole grace period). */
  private readonly watchCalls = new Set<grpc.ServerWritableStream<HealthCheckRequest, HealthCheckResponse>>();

  constructor(
    serviceNames: readonly string[],
    private readonly backends: { store: Pick<StoreLifecycle, "ping">; cipher: Cipher },
    private readonly logger: Logger,
  ) {
    this.names = new Set(["", ...serviceNames]);
  }

  private status(service: string): ServingStatus | undefined {
    if (!this.names.has(service)) return undefined;
    return this.serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
  }

  addToServer(server: grpc.Server): void {
    server.addService(generatedServiceDefinition(Health), {
      Check: (call: grpc.ServerUnaryCall<HealthCheckRequest, HealthCheckResponse>, callback: grpc.sendUnaryData<HealthCheckResponse>) => {
        const status = this.status(call.request.service);
        if (status === undefined)
          callback({ code: grpc.status.NOT_FOUND, details: `no health status for service ${JSON.stringify(call.request.service)}` });
        else callback(null, create(HealthCheckResponseSchema, { status }));
      },
      Watch: (call: grpc.ServerWritableStream<HealthCheckRequest, HealthCheckResponse>) => {
        const status = this.status(call.request.service);
        call.write(create(HealthCheckResponseSchema, { status: status ?? ServingStatus.SERVICE_UNKNOWN }));
        if (this.stopped) return void call.end();
        // Kept open even for an unknown service, as the protocol asks; it stays SERVICE_UNKNOWN (the names are fixed).
        this.watchCalls.add(call);
        call.on("cancelled", () => this.watchCalls.delete(call));
      },
      // Not implemented: grpc-js answers UNIMPLEMENTED, as the protocol allows for List.
    });
  }

  /** Probes now, then every `intervalMs`. */
  async start(intervalMs: number): Promise<void> {
    await this.probe();
    this.timer = setInterval(() => void this.probe(), intervalMs);
    this.timer.unref();
  }

  /** Everything NOT_SERVING (on shutdown, so balancers drain us first), then ends the Watch streams with OK. */
  stop(): void {
    clearInterval(this.timer);
    this.set(false);
    this.stopped = true;
    for (const call of this.watchCalls) call.end();
    this.watchCalls.clear();
  }

  async probe(): Promise<boolean> {
    const results = await Promise.allSettled([this.backends.store.ping(), this.backends.cipher.ping()]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    // A probe still running when stop() ended the Watch streams must not write to them.
    if (this.stopped) return !failed;
    if (failed && this.serving !== false) this.logger.warn({ err: failed.reason }, "a backend is unreachable: NOT_SERVING");
    if (!failed && this.serving === false) this.logger.info("backends reachable again: SERVING");
    this.set(!failed);
    return !failed;
  }

  /** Watchers hear only changes. */
  private set(serving: boolean): void {
    if (this.serving === serving) return;
    this.serving = serving;
    const message = create(HealthCheckResponseSchema, { status: serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING });
    for (const call of this.watchCalls) if (this.names.has(call.request.service)) call.write(message);
  }
}
