/**
 * `tsx bench/profile-summary.ts <file.cpuprofile> [top] [fromUs-toUs]`: the
 * functions a V8 CPU profile (from `npm run bench -- --cpu-prof-dir DIR`)
 * spent the most time in, by self time and by inclusive time, as percentages
 * of the samples. With a window, only the samples taken in it count: V8 stamps
 * samples with the monotonic clock in µs, the clock of `process.hrtime` in
 * every process of the machine, so a scenario can report the window of its
 * measured phase (e.g. `watch-fanout`'s `deliveryWindowUs`).
 */
import { readFileSync } from "node:fs";
import { relative } from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime?: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** The profile with each node's hit count taken only from the samples between `fromUs` and `toUs`. */
export function withinWindow(profile: CpuProfile, fromUs: number, toUs: number): CpuProfile {
  const { startTime, samples, timeDeltas } = profile;
  if (startTime === undefined || !samples || !timeDeltas) throw new Error("the profile has no timed samples");
  const hits = new Map<number, number>();
  let time = startTime;
  samples.forEach((id, i) => {
    time += timeDeltas[i]!;
    if (time >= fromUs && time <= toUs) hits.set(id, (hits.get(id) ?? 0) + 1);
  });
  return { nodes: profile.nodes.map((node) => ({ ...node, hitCount: hits.get(node.id) ?? 0 })) };
}

interface FunctionTime {
  name: string;
  self: number;
  inclusive: number;
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  // tsx-transpiled TypeScript reports line 0 for everything: give a line only where it means something.
  const where = url ? `${relative(process.cwd(), url.replace(/^file:\/\//, ""))}${lineNumber > 0 ? `:${lineNumber + 1}` : ""}` : "";
  return `${functionName || "(anonymous)"}${where ? ` ${where}` : ""}`;
}

export function summarizeProfile(profile: CpuProfile): { total: number; functions: FunctionTime[] } {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const times = new Map<string, FunctionTime>();
  const entry = (name: string) => {
    let time = times.get(name);
    if (!time) {
      time = { name, self: 0, inclusive: 0 };
      times.set(name, time);
    }
    return time;
  };
  let total = 0;
  // Walk every root-to-node path once; a function counts once per path for inclusive time, even when recursive.
  const walk = (node: ProfileNode, onPath: Set<string>): number => {
    const name = frameName(node);
    const self = node.hitCount ?? 0;
    total += self;
    entry(name).self += self;
    const first = !onPath.has(name);
    if (first) onPath.add(name);
    let subtree = self;
    for (const child of node.children ?? []) subtree += walk(byId.get(child)!, onPath);
    if (first) {
      onPath.delete(name);
      entry(name).inclusive += subtree;
    }
    return subtree;
  };
  walk(profile.nodes[0]!, new Set());
  return { total, functions: [...times.values()] };
}

function isMain(): boolean {
  return process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/^.*\/bench\//, "/bench/"));
}

if (isMain()) {
  const [file, topText, windowText] = process.argv.slice(2);
  if (!file) {
    console.error("usage: tsx bench/profile-summary.ts <file.cpuprofile> [top] [fromUs-toUs]");
    process.exit(2);
  }
  const top = Number(topText ?? 25);
  const whole = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const [fromUs, toUs] = (windowText ?? "").split("-").map(Number);
  const profile = windowText ? withinWindow(whole, fromUs!, toUs!) : whole;
  const { total, functions } = summarizeProfile(profile);
  const percent = (n: number) => `${((n / total) * 100).toFixed(1).padStart(5)}%`;
  const excluded = new Set(["(root)", "(program)", "(idle)", "(garbage collector)"]);
  console.log(
    `${total} samples; (idle) ${percent(functions.find((f) => f.name === "(idle)")?.self ?? 0)}, (garbage collector) ${percent(functions.find((f) => f.name === "(garbage collector)")?.self ?? 0)}, (program) ${percent(functions.find((f) => f.name === "(program)")?.self ?? 0)}`,
  );
  console.log(`\ntop ${top} by self time:`);
  for (const f of [...functions]
    .sort((a, b) => b.self - a.self)
    .filter((f) => !excluded.has(f.name))
    .slice(0, top))
    console.log(`  ${percent(f.self)}  ${f.name}`);
  console.log(`\ntop ${top} by inclusive time:`);
  for (const f of [...functions]
    .sort((a, b) => b.inclusive - a.inclusive)
    .filter((f) => !excluded.has(f.name))
    .slice(0, top))
    console.log(`  ${percent(f.inclusive)}  ${f.name}`);
}
