/**
 * Prometheus metrics on a separate admin HTTP port: RPC counts and latency by
 * method and status, resolved secrets, backend latency, open streams.
 * Labels are method names, status codes and backend operations only: never
 * a value, a token or a secret name.
 */
import { createServer } from "node:http";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { CallObserver } from "../rpc/call-pipeline.js";
import { listen, type ListeningServer } from "./http-listener.js";

export class ServiceMetrics implements CallObserver {
  readonly registry = new Registry();
  private readonly calls = new Counter({
    name: "secrets_rpc_calls_total",
    help: "RPCs handled, by method and gRPC status code",
    labelNames: ["method", "code"] as const,
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: "secrets_rpc_duration_seconds",
    help: "RPC handling time, by method and gRPC status code (streams: until they end)",
    labelNames: ["method", "code"] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [this.registry],
  });
  private readonly resolved = new Counter({
    name: "secrets_resolved_secrets_total",
    help: "Secrets whose values were returned by successful ResolveSecrets calls",
    registers: [this.registry],
  });
  private readonly openStreams = new Gauge({
    name: "secrets_open_streams",
    help: "Server streams open now (WatchSecrets, RotateTenantKey), by method",
    labelNames: ["method"] as const,
    registers: [this.registry],
  });
  readonly backendLatency = new Histogram({
    name: "secrets_backend_duration_seconds",
    help: "Time spent in the metadata store and cipher, by backend, operation and outcome",
    labelNames: ["backend", "operation", "outcome"] as const,
    buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5],
    registers: [this.registry],
  });

  private readonly changeFeedDown = new Gauge({
    name: "secrets_change_feed_down",
    help: "1 while the metadata store's change feed (MongoDB change stream) is down and reopening, else 0; watchers get no changes meanwhile",
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.changeFeedDown.set(0);
  }

  changeFeedHealthChanged(up: boolean): void {
    this.changeFeedDown.set(up ? 0 : 1);
  }

  streamStarted(method: string): void {
    this.openStreams.inc({ method });
  }

  streamEnded(method: string): void {
    this.openStreams.dec({ method });
  }

  callEnded(method: string, code: string, seconds: number, resolvedSecrets: number): void {
    this.calls.inc({ method, code });
    this.latency.observe({ method, code }, seconds);
    if (resolvedSecrets > 0) this.resolved.inc(resolvedSecrets);
  }

  /** Wraps every async method of a port so its latency is observed. */
  instrument<T extends object>(backend: string, port: T): T {
    const histogram = this.backendLatency;
    return new Proxy(port, {
      get(target, property, receiver) {
        const member = Reflect.get(target, property, receiver);
        if (typeof member !== "function" || typeof property !== "string") return member;
        return function (this: unknown, ...args: unknown[]) {
          const began = performance.now();
          const result = member.apply(target, args);
          if (!(result instanceof Promise)) return result;
          const observe = (outcome: string) =>
            histogram.observe({ backend, operation: property, outcome }, (performance.now() - began) / 1000);
          return result.then(
            (value) => (observe("ok"), value),
            (error: unknown) => {
              observe("error");
              throw error;
            },
          );
        };
      },
    });
  }

  /** Serves `GET /metrics` on `address` (host:port). */
  serve(address: string): Promise<ListeningServer> {
    const server = createServer((req, res) => {
      if (req.method !== "GET" || req.url !== "/metrics") {
        res.writeHead(404).end("not found\n");
        return;
      }
      this.registry.metrics().then(
        (text) => res.writeHead(200, { "content-type": this.registry.contentType }).end(text),
        () => res.writeHead(500).end("metrics unavailable\n"),
      );
    });
    return listen(server, address, { name: "metrics", flag: "--metrics-listen", hint: "(or '' to turn metrics off)" });
  }
}
