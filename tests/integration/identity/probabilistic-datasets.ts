/**
 * Benchmark data sets (../shared/datasets, read in place, never copied) loaded into DuckDB as
 * `records(rid BIGINT, source, <fields>)` and `truth(rid, entity)` tables, with the model
 * configs the accuracy tests and the bench use.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { probabilisticSchema, type ProbabilisticConfig } from '../../../src/config/index.js';
import type { Warehouse } from '../../../src/warehouse/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const DATASETS_DIR = process.env.CDP_DATASETS_DIR ?? path.resolve(here, '../../../../shared/datasets');

const FEBRL_FIELDS = ['given_name', 'surname', 'street_number', 'address_1', 'address_2', 'suburb', 'postcode', 'state', 'date_of_birth', 'soc_sec_id'];

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
/** Trimmed, empty -> NULL. */
const clean = (col: string) => `NULLIF(TRIM(CAST(${col} AS VARCHAR)), '')`;

function febrlSelect(file: string, source: string): string {
  return `SELECT ${lit(source)} AS source, TRIM(rec_id) AS rec_id, ${FEBRL_FIELDS.map((f) => `${clean(f)} AS ${f}`).join(', ')}
          FROM read_csv(${lit(path.join(DATASETS_DIR, 'febrl', file))}, all_varchar = true, header = true, normalize_names = true)`;
}

/** Loads FEBRL files into `schema.records` / `schema.truth`. */
export async function loadFebrl(wh: Warehouse, schema: string, files: Array<[file: string, source: string]>): Promise<void> {
  await wh.execute(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  await wh.execute(
    `CREATE OR REPLACE TABLE ${schema}.raw AS SELECT ROW_NUMBER() OVER (ORDER BY source, rec_id) AS rid, * FROM (${files.map(([f, s]) => febrlSelect(f, s)).join(' UNION ALL ')})`,
  );
  await wh.execute(`CREATE OR REPLACE TABLE ${schema}.records AS SELECT rid, source, ${FEBRL_FIELDS.join(', ')} FROM ${schema}.raw`);
  await wh.execute(`CREATE OR REPLACE TABLE ${schema}.truth AS SELECT rid, CAST(REGEXP_EXTRACT(rec_id, 'rec-([0-9]+)', 1) AS BIGINT) AS entity FROM ${schema}.raw`);
}

export async function loadFake1000(wh: Warehouse, schema: string): Promise<void> {
  await wh.execute(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  await wh.execute(
    `CREATE OR REPLACE TABLE ${schema}.raw AS SELECT * FROM read_csv(${lit(path.join(DATASETS_DIR, 'splink', 'fake_1000.csv'))}, all_varchar = true, header = true)`,
  );
  await wh.execute(
    `CREATE OR REPLACE TABLE ${schema}.records AS SELECT CAST(unique_id AS BIGINT) AS rid, 'fake' AS source,
       LOWER(${clean('first_name')}) AS first_name, LOWER(${clean('surname')}) AS surname, ${clean('dob')} AS dob,
       LOWER(${clean('city')}) AS city, LOWER(${clean('email')}) AS email FROM ${schema}.raw`,
  );
  await wh.execute(`CREATE OR REPLACE TABLE ${schema}.truth AS SELECT CAST(unique_id AS BIGINT) AS rid, CAST(cluster AS BIGINT) AS entity FROM ${schema}.raw`);
}

// Term frequencies on every level: a near match of a common name counts less, half as much as an exact one's adjustment.
const name = { levels: [{ exact: true }, { jaroWinkler: 0.9 }, { jaroWinkler: 0.8 }], termFrequency: true, fuzzyTermFrequency: 0.5 };
const code = (k: number) => ({ levels: [{ exact: true }, ...Array.from({ length: k }, (_, i) => ({ levenshtein: i + 1 }))] });

export function febrlConfig(linkType: 'link_only' | 'link_and_dedupe'): ProbabilisticConfig {
  return probabilisticSchema.parse({
    sources: { a: { fields: {} } },
    linkType,
    blocking: [['soc_sec_id'], ['given_name', 'surname'], ['date_of_birth'], ['postcode', 'street_number'], ['surname', 'suburb']],
    comparisons: {
      given_name: name,
      surname: name,
      street_number: code(1),
      address_1: { levels: [{ exact: true }, { jaroWinkler: 0.9 }, { jaroWinkler: 0.8 }] },
      address_2: { levels: [{ exact: true }, { jaroWinkler: 0.9 }, { jaroWinkler: 0.8 }] },
      suburb: { levels: [{ exact: true }, { jaroWinkler: 0.9 }], termFrequency: true },
      postcode: code(2),
      state: { levels: [{ exact: true }] },
      date_of_birth: code(2),
      soc_sec_id: code(2),
    },
    threshold: { probability: 0.99 },
  });
}

export function fake1000Config(): ProbabilisticConfig {
  return probabilisticSchema.parse({
    sources: { fake: { fields: {} } },
    blocking: [['first_name'], ['surname'], ['dob'], ['email'], ['city', 'first_name']],
    comparisons: {
      first_name: name,
      surname: name,
      dob: { levels: [{ exact: true }, { levenshtein: 1 }, { withinDays: 366 }] },
      city: { levels: [{ exact: true }], termFrequency: true },
      email: { levels: [{ exact: true }, { levenshtein: 2 }] },
    },
    threshold: { probability: 0.9 },
  });
}
