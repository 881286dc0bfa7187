/** CPU time used so far (user + system, every thread) by a child process or by this one, in ms. */
import { readFileSync } from "node:fs";

/** USER_HZ: the unit of the times in /proc/<pid>/stat; 100 on every Linux architecture Node runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

/** Fields of /proc/<pid>/stat from field 3 (state) on: the command name before them may hold spaces. */
function statFields(pid: number | "self"): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

const ticksToMs = (ticks: number) => (ticks * 1000) / CLOCK_TICKS_PER_SECOND;

export function childCpuMs(pid: number): number {
  const fields = statFields(pid);
  // utime is field 14, stime 15.
  return ticksToMs(Number(fields[11]) + Number(fields[12]));
}

export function ownCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/**
 * CPU of this process's children that have exited and been waited for (cutime
 * + cstime, fields 16 and 17): the delta around one child's run is that
 * child's CPU, read after it is gone, when its own /proc entry no longer is.
 */
export function exitedChildrenCpuMs(): number {
  const fields = statFields("self");
  return ticksToMs(Number(fields[13]) + Number(fields[14]));
}
