/**
 * The in-process driver (used when h2load is missing, and for requests that
 * vary per call) measures a phase with the same figures as h2load, its own
 * CPU share and the driver-bound flag, and names what it sends with: the
 * Connect client, or raw HTTP/2 sessions for CreateSecret.
 */
import { describe, expect, it } from "vitest";
import { callerOf, createSecretCall, healthCheckCall } from "../../bench/calls.js";
import { measureCall } from "../../bench/measure.js";
import { RawUnaryClient } from "../../bench/raw-unary.js";
import { withServiceChild } from "../../bench/service-child.js";
import { benchSettings } from "../../bench/settings.js";
import { expectLoadFigures } from "./figures-shape.js";

const CONCURRENCY = { connections: 1, streams: 2 };

describe("bench fallback driver (Connect client)", () => {
  it("drives the empty call when there is no h2load, and CreateSecret (a new name per call, over raw HTTP/2) even when there is", async () => {
    const withoutH2load = benchSettings({ quick: true, phaseSeconds: 1 });
    // Never run: a request that varies per call does not go to h2load.
    const withH2load = benchSettings({ quick: true, phaseSeconds: 1, h2load: "/nonexistent/h2load" });
    await withServiceChild({}, async (service) => {
      const admin = callerOf(service, service.adminToken);
      const health = await measureCall(service, withoutH2load, healthCheckCall(admin), CONCURRENCY);
      const session = new RawUnaryClient(service.address, service.adminToken);
      const create = await measureCall(service, withH2load, createSecretCall([session], "DRIVER"), CONCURRENCY).finally(() =>
        session.close(),
      );
      expect(health.driver).toBe("connect");
      expect(create.driver).toBe("http2");
      for (const figures of [health, create]) expectLoadFigures(figures);
      const listed = await admin.clients.secrets.listSecrets({ pageSize: 1000 });
      // Created for real (the warm-up made some more than the phase counted).
      expect(listed.secrets.filter((s) => s.name.startsWith("BENCH_DRIVER_")).length).toBeGreaterThanOrEqual(create.samples);
    });
  }, 180_000);
});
