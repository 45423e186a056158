import { describe } from 'vitest';
import { defineModelScenarios } from './scenarios.js';

describe('SQL models on DuckDB', () => {
  defineModelScenarios({
    newWarehouse: (projectDir) => ({ warehouse: { type: 'duckdb', path: `${projectDir}/.cdp/warehouse.duckdb` }, schema: 'cdp', raw: 'raw' }),
    cleanup: async () => undefined,
  });
});
