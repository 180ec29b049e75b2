// Preloaded into the service by the soak test only (node --expose-gc --import): on SIGUSR2 it runs a full
// GC and prints the live heap and the memory held outside it (Buffers: external, array_buffers) as one line
// on stderr, so the soak can tell a leak from memory the allocator merely keeps. Not part of the service.
process.on('SIGUSR2', () => {
  (globalThis as { gc?: () => void }).gc?.();
  const memory = process.memoryUsage();
  process.stderr.write(
    `soak-heap ${JSON.stringify({ heap_used: memory.heapUsed, heap_total: memory.heapTotal, external: memory.external, array_buffers: memory.arrayBuffers, rss: memory.rss })}\n`,
  );
});
