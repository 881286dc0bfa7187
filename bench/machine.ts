/** The machine a run was measured on, read from the machine itself. */
import { availableParallelism, cpus, loadavg, totalmem } from "node:os";

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryBytes: number;
  node: string;
  platform: string;
  /** 1-minute load average when the run started: a busy machine explains slow figures. */
  loadAverageAtStart: number;
}

export function machineInfo(): MachineInfo {
  return {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? "unknown",
    memoryBytes: totalmem(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverageAtStart: loadavg()[0]!,
  };
}

export function currentLoadAverage(): number {
  return loadavg()[0]!;
}
