// Test-only preload (node --expose-gc --import heap-probe.mjs): on SIGUSR2 the service collects
// garbage and prints its live heap, so a load test can tell a leak from memory the allocator keeps.
process.on("SIGUSR2", () => {
  globalThis.gc();
  globalThis.gc();
  const { heapUsed, external, arrayBuffers, rss } = process.memoryUsage();
  process.stderr.write(`heap-probe ${JSON.stringify({ heapUsed, external, arrayBuffers, rss })}\n`);
});
