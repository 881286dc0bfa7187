/** Every scenario, in the order the full suite runs them. */
import type { Scenario } from "../scenario.js";
import { resolveScenario } from "./resolve.js";
import { scaleScenario } from "./scale.js";
import { sidecarRenderScenario } from "./sidecar-render.js";
import { sidecarWatchIdleScenario } from "./sidecar-watch-idle.js";
import { watchFanoutScenario } from "./watch-fanout.js";
import { writeScenario } from "./write.js";

export const SCENARIOS: readonly Scenario[] = [
  resolveScenario,
  sidecarRenderScenario,
  sidecarWatchIdleScenario,
  scaleScenario,
  writeScenario,
  watchFanoutScenario,
];
