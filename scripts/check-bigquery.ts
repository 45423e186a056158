/**
 * `npm run check:bigquery`: the demo pipeline end to end on a real BigQuery project.
 *
 *   CDP_BIGQUERY_PROJECT   project to run jobs in (required)
 *   CDP_BIGQUERY_LOCATION  dataset/job location (default US)
 *   GOOGLE_APPLICATION_CREDENTIALS or CDP_BIGQUERY_KEY_FILE   credentials (else gcloud's ADC)
 *   CDP_CHECK_PEOPLE       demo size (default 200)    CDP_CHECK_KEEP=1   keep the datasets
 *
 * Creates datasets cdp_check_<id> and cdp_check_raw_<id>, and drops them at the end. See docs/bigquery.md.
 */
import { BigQueryWarehouse } from '../src/warehouse/adapters/bigquery.js';
import { checkWarehouse, requireEnv } from './warehouse-check.js';

const projectId = requireEnv('CDP_BIGQUERY_PROJECT', 'the Google Cloud project to run the check in');
const keyFilename = process.env.CDP_BIGQUERY_KEY_FILE;

await checkWarehouse({
  warehouse: {
    type: 'bigquery',
    projectId,
    location: process.env.CDP_BIGQUERY_LOCATION ?? 'US',
    ...(keyFilename ? { keyFilename } : {}),
    labels: { purpose: 'cdp-check' },
    // A guard: no single job of this check may bill more than 10 GB.
    maximumBytesBilled: '10000000000',
  },
  prefix: 'cdp_check',
  people: Number(process.env.CDP_CHECK_PEOPLE ?? 200),
  keep: process.env.CDP_CHECK_KEEP === '1',
  extra: async (warehouse, schema) => {
    if (!(warehouse instanceof BigQueryWarehouse)) return [];
    const sql = `SELECT * FROM ${warehouse.dialect.relation({ schema, name: 'profiles' })}`;
    const { bytesProcessed } = await warehouse.dryRun(sql);
    return [`dry run of SELECT * FROM profiles: ${bytesProcessed.toLocaleString('en-US')} bytes would be billed`];
  },
});
