/**
 * The fallback driver (the in-process Connect client, used when h2load is
 * missing and for requests that vary per call) measures a phase with the
 * same figures as h2load, its own CPU share and the driver-bound flag.
 */
import { describe, expect, it } from "vitest";
import { callerOf, createSecretCall, healthCheckCall } from "../../bench/calls.js";
import { measureCall } from "../../bench/measure.js";
import { withServiceChild } from "../../bench/service-child.js";
import { benchSettings } from "../../bench/settings.js";
import { expectLoadFigures } from "./figures-shape.js";

const CONCURRENCY = { connections: 1, streams: 2 };

describe("bench fallback driver (Connect client)", () => {
  it("drives the empty call when there is no h2load, and CreateSecret (a new name per call) even when there is", async () => {
    const withoutH2load = benchSettings({ quick: true, phaseSeconds: 1 });
    // Never run: a request that varies per call does not go to h2load.
    const withH2load = benchSettings({ quick: true, phaseSeconds: 1, h2load: "/nonexistent/h2load" });
    await withServiceChild({}, async (service) => {
      const admin = callerOf(service, service.adminToken);
      const health = await measureCall(service, withoutH2load, healthCheckCall(admin), CONCURRENCY);
      const create = await measureCall(service, withH2load, createSecretCall(admin, "DRIVER"), CONCURRENCY);
      for (const figures of [health, create]) {
        expect(figures.driver).toBe("connect");
        expectLoadFigures(figures);
      }
    });
  }, 180_000);
});
