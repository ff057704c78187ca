export default {
  files: ['test/**/*.test.ts'],
  extensions: { ts: 'module' },
  nodeArguments: ['--import=tsx'],
  // Inactivity bound (no test completed for this long): generous, so that a loaded 2-core CI machine passes; a
  // real hang is still ended and named by scripts/run-tests.mjs.
  timeout: '10m',
  workerThreads: false,
  concurrency: 2,
};
