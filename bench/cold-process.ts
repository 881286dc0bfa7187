/**
 * Times a command from process start to exit, cold (a fresh `node` every
 * run), and reads its peak RSS through a preload that reports VmHWM at exit.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

const PEAK_RSS_PRELOAD = new URL("./peak-rss-at-exit.cjs", import.meta.url).pathname;

export interface ColdRun {
  elapsedMs: number;
  /** Largest VmHWM of any node process the command ran, bytes. */
  peakRssBytes: number;
}

export async function runCold(args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<ColdRun> {
  const scratch = await mkdtemp(join(tmpdir(), "bench-rss-"));
  const rssFile = join(scratch, "peaks");
  try {
    const env = {
      ...process.env,
      ...options.env,
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --require ${PEAK_RSS_PRELOAD}`.trim(),
      BENCH_PEAK_RSS_FILE: rssFile,
    };
    const started = performance.now();
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, args, { cwd: options.cwd, env, stdio: ["ignore", "ignore", "pipe"] });
      let stderr = "";
      child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr = (stderr + chunk).slice(-2000)));
      child.once("error", reject);
      child.once("close", (code) => resolve({ code, stderr }));
    });
    const elapsedMs = performance.now() - started;
    if (code !== 0) throw new Error(`node ${args.join(" ")} exited with ${code}: ${stderr}`);
    const peaks = (await readFile(rssFile, "utf8"))
      .trim()
      .split("\n")
      .map((line) => Number(line.split(" ")[1]) * 1024);
    return { elapsedMs, peakRssBytes: Math.max(...peaks) };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
