// The project's configuration. A plain object works; see the CDP README "Configuration" for every field.
export default {
  // The embedded DuckDB warehouse: one file, nothing to start. For Postgres:
  // warehouse: { type: 'postgres', connection: 'postgres://user@127.0.0.1:5432/analytics' },
  warehouse: { type: 'duckdb', path: '.cdp/warehouse.duckdb' },
  // Where models and generated tables (identity graph, profiles) are built.
  schema: 'cdp',
  models: { path: 'models' },
  // Add `identity: { sources, idTypes }` to stitch customers across sources; `cdp run` then builds profiles.
};
