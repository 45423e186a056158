import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { describe } from 'vitest';
import { openWarehouse } from '../../../src/warehouse/index.js';
import { defineModelScenarios } from './scenarios.js';

const url = process.env.CDP_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const adapterReady = existsSync(new URL('../../../src/warehouse/adapters/postgres.ts', import.meta.url));
if (!adapterReady) console.warn('\n!!! SKIPPING the Postgres model tests: src/warehouse/adapters/postgres.ts does not exist yet !!!\n');

describe.skipIf(!adapterReady)('SQL models on Postgres', () => {
  const prefix = `t_models_${randomBytes(4).toString('hex')}`;
  const schemas: string[] = [];
  let n = 0;
  defineModelScenarios({
    newWarehouse: () => {
      const schema = `${prefix}_${++n}`;
      schemas.push(schema, `${schema}_raw`);
      return { warehouse: { type: 'postgres', connection: url }, schema, raw: `${schema}_raw` };
    },
    cleanup: async () => {
      const warehouse = await openWarehouse({ type: 'postgres', connection: url, poolSize: 1 }, process.cwd());
      try {
        for (const schema of schemas) await warehouse.execute(`DROP SCHEMA IF EXISTS ${warehouse.dialect.quoteIdent(schema)} CASCADE`);
      } finally {
        await warehouse.close();
      }
    },
  });
});
