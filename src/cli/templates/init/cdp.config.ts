// The project's configuration. A plain object works; see the CDP README "Configuration" for every field.
export default {
  // The embedded DuckDB warehouse: one file, nothing to start. For Postgres:
  // warehouse: { type: 'postgres', connection: 'postgres://user@127.0.0.1:5432/analytics' },
  warehouse: { type: 'duckdb', path: '.cdp/warehouse.duckdb' },
  // Where models and generated tables (identity graph, profiles) are built.
  schema: 'cdp',
  models: { path: 'models' },
  // Segment / RudderStack SDKs post events to `cdp serve` (at /v1) with a source's write key; they
  // land in cdp.collected_events, staged by models/collect (docs/collect.md in the CDP repository).
  collect: { writeKeys: { web: { env: 'CDP_WRITE_KEY_WEB' } } },
  // Add `identity: { sources, idTypes }` to stitch customers across sources; `cdp run` then builds profiles.
  // Collected events stitch anonymous visitors to users:
  // identity: {
  //   sources: [{ name: 'events', relation: 'stg_collected_identities', key: 'event_key', timestamp: 'ts',
  //               ids: { anonymous_id: 'anonymous_id', user_id: 'user_id' } }],
  //   idTypes: { user_id: { priority: 1 }, anonymous_id: { priority: 9 } },
  // },
};
