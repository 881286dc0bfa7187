// Preloaded (NODE_OPTIONS=--require) into short-lived node processes the
// benchmark starts cold: at exit, appends this process's peak RSS (VmHWM, kB)
// to the file named by BENCH_PEAK_RSS_FILE, since a parent cannot read
// /proc/<pid>/status once the child is gone.
"use strict";
const fs = require("node:fs");
const target = process.env.BENCH_PEAK_RSS_FILE;
if (target) {
  process.on("exit", () => {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync("/proc/self/status", "utf8"));
    if (match) fs.appendFileSync(target, `${process.pid} ${match[1]}\n`);
  });
}
