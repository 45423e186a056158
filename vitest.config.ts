import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    exclude: ['tests/bench/**', 'node_modules/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Integration tests share one Postgres database and DuckDB files; keep files sequential per worker.
    fileParallelism: true,
    pool: 'forks',
    // Every API answer in every test is checked against its route's response schema (src/server/routing.ts).
    env: { CDP_CHECK_RESPONSES: '1' },
  },
});
