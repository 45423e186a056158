/**
 * `npm run check:snowflake`: the demo pipeline end to end on a real Snowflake account.
 *
 *   CDP_SNOWFLAKE_ACCOUNT    account identifier, e.g. myorg-myaccount (required)
 *   CDP_SNOWFLAKE_USER       user (required)
 *   CDP_SNOWFLAKE_PASSWORD   password, or CDP_SNOWFLAKE_PRIVATE_KEY_PATH (PEM, key-pair auth)
 *                            [+ CDP_SNOWFLAKE_PRIVATE_KEY_PASSPHRASE]
 *   CDP_SNOWFLAKE_WAREHOUSE  virtual warehouse (required)   CDP_SNOWFLAKE_DATABASE  database (required)
 *   CDP_SNOWFLAKE_ROLE       role (optional)
 *   CDP_CHECK_PEOPLE         demo size (default 200)    CDP_CHECK_KEEP=1   keep the schemas
 *
 * Creates schemas CDP_CHECK_<id> and CDP_CHECK_RAW_<id> in the database and drops them at the end.
 * See docs/snowflake.md.
 */
import { checkWarehouse, requireEnv } from './warehouse-check.js';

const privateKeyPath = process.env.CDP_SNOWFLAKE_PRIVATE_KEY_PATH;
if (!privateKeyPath) requireEnv('CDP_SNOWFLAKE_PASSWORD', 'a password, or set CDP_SNOWFLAKE_PRIVATE_KEY_PATH for key-pair authentication');

await checkWarehouse({
  warehouse: {
    type: 'snowflake',
    account: requireEnv('CDP_SNOWFLAKE_ACCOUNT', 'the account identifier, e.g. myorg-myaccount'),
    username: requireEnv('CDP_SNOWFLAKE_USER', 'the user to sign in as'),
    ...(privateKeyPath
      ? {
          privateKeyPath,
          ...(process.env.CDP_SNOWFLAKE_PRIVATE_KEY_PASSPHRASE ? { privateKeyPassphrase: { env: 'CDP_SNOWFLAKE_PRIVATE_KEY_PASSPHRASE' } } : {}),
        }
      : { password: { env: 'CDP_SNOWFLAKE_PASSWORD' } }),
    warehouse: requireEnv('CDP_SNOWFLAKE_WAREHOUSE', 'the virtual warehouse to run on'),
    database: requireEnv('CDP_SNOWFLAKE_DATABASE', 'the database to create the check schemas in'),
    ...(process.env.CDP_SNOWFLAKE_ROLE ? { role: process.env.CDP_SNOWFLAKE_ROLE } : {}),
    queryTag: 'cdp-check',
    timeoutSeconds: 1800,
  },
  prefix: 'cdp_check',
  people: Number(process.env.CDP_CHECK_PEOPLE ?? 200),
  keep: process.env.CDP_CHECK_KEEP === '1',
});
