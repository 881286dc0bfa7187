/**
 * gRPC health checking (grpc.health.v1) with a status per service: SERVING
 * while the metadata store and the cipher answer, NOT_SERVING while either
 * does not. Probed on an interval, so a load balancer or kubelet sees an
 * outage within one interval.
 */
import type * as grpc from "@grpc/grpc-js";
import { HealthImplementation } from "grpc-health-check";
import type { Logger } from "../logger.js";
import type { Cipher } from "../ports/cipher.js";
import type { MetadataStore } from "../ports/metadata-store.js";

export class HealthReporter {
  private readonly health: HealthImplementation;
  private timer: NodeJS.Timeout | undefined;
  private serving: boolean | undefined;
  private stopped = false;
  /** Open Watch streams: grpc-health-check never ends them, and an open call holds a graceful shutdown for its whole grace period. */
  private readonly watchCalls = new Set<grpc.ServerWritableStream<unknown, unknown>>();

  constructor(
    private readonly serviceNames: readonly string[],
    private readonly backends: { store: MetadataStore; cipher: Cipher },
    private readonly logger: Logger,
  ) {
    this.health = new HealthImplementation(Object.fromEntries(["", ...serviceNames].map((name) => [name, "NOT_SERVING"])));
  }

  addToServer(server: grpc.Server): void {
    // Registers grpc-health-check's handlers with Watch wrapped, so that stop() can end the streams.
    const tracking = {
      addService: (definition: grpc.ServiceDefinition, implementation: grpc.UntypedServiceImplementation) => {
        const watch = implementation.watch as grpc.handleServerStreamingCall<unknown, unknown>;
        server.addService(definition, {
          ...implementation,
          watch: (call: grpc.ServerWritableStream<unknown, unknown>) => {
            this.watchCalls.add(call);
            call.on("cancelled", () => this.watchCalls.delete(call));
            watch(call);
          },
        });
      },
    };
    this.health.addToServer(tracking as unknown as grpc.Server);
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

  private set(serving: boolean): void {
    this.serving = serving;
    for (const name of ["", ...this.serviceNames]) this.health.setStatus(name, serving ? "SERVING" : "NOT_SERVING");
  }
}
