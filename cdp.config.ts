// The demo project's configuration: `cdp demo` loads the raw tables, `cdp run` builds the staging
// models in models/, then the identity graph and profiles declared here.
import type { CdpConfigInput } from './src/config/index.js';

export default {
  warehouse: { type: 'duckdb', path: '.cdp/warehouse.duckdb' },
  schema: 'cdp',

  identity: {
    // Every source a person can leave a trace in; `ids` maps an id type to the column holding it.
    sources: [
      {
        name: 'web_events',
        relation: 'stg_web_events',
        key: 'event_id',
        timestamp: 'ts',
        ids: { anonymous_id: 'anonymous_id', user_id: 'user_id', email: 'email' },
      },
      {
        name: 'app_events',
        relation: 'stg_app_events',
        key: 'event_id',
        timestamp: 'ts',
        ids: { device_id: 'device_id', user_id: 'user_id' },
      },
      {
        name: 'crm_contacts',
        relation: 'stg_crm_contacts',
        key: 'contact_id',
        timestamp: 'updated_at',
        ids: { crm_id: 'contact_id', user_id: 'user_id', email: 'email', phone: 'phone' },
      },
      {
        name: 'orders',
        relation: 'stg_orders',
        key: 'order_id',
        timestamp: 'ordered_at',
        ids: { user_id: 'user_id', email: 'email', phone: 'phone' },
      },
      {
        name: 'support_tickets',
        relation: 'stg_support_tickets',
        key: 'ticket_id',
        timestamp: 'created_at',
        ids: { email: 'email', phone: 'phone' },
      },
      {
        name: 'email_engagement',
        relation: 'stg_email_engagement',
        key: 'event_id',
        timestamp: 'ts',
        ids: { email: 'email' },
      },
    ],
    // Lower priority number = more trusted. A profile never holds two user_ids or two CRM ids:
    // a shared family tablet or a shared home landline must not merge two people.
    idTypes: {
      user_id: { priority: 1, maxPerProfile: 1 },
      crm_id: { priority: 2, maxPerProfile: 1 },
      email: { priority: 3, normalize: 'email' },
      phone: { priority: 4, normalize: 'phone', defaultRegion: 'US' },
      device_id: { priority: 5 },
      anonymous_id: { priority: 9 },
    },
    // Placeholders seen in this data besides the built-in ones (null, n/a, unknown, 0000000000...).
    blocklist: {
      email: ['test@test.com', 'noemail@example.com', 'na@na.com', 'none'],
      phone: ['0000000000', '000-000-0000', '1234567890', '9999999999'],
    },
  },

  profiles: {
    traits: {
      email: { source: 'crm_contacts', column: 'email', rule: 'most_recent' },
      first_name: { source: 'crm_contacts', column: 'first_name', rule: 'most_recent' },
      last_name: { source: 'crm_contacts', column: 'last_name', rule: 'most_recent' },
      phone: { source: 'crm_contacts', column: 'phone', rule: 'most_recent' },
      city: { source: 'crm_contacts', column: 'city', rule: 'most_frequent' },
      country: { source: 'crm_contacts', column: 'country', rule: 'most_frequent' },
      lifetime_value: { source: 'orders', sql: 'sum(amount)' },
      order_count: { source: 'orders', sql: 'count(*)' },
      average_order_value: { source: 'orders', sql: 'avg(amount)' },
      first_order_at: { source: 'orders', sql: 'min(ordered_at)' },
      last_order_at: { source: 'orders', sql: 'max(ordered_at)' },
      store_orders: { source: 'orders', sql: "sum(case when channel = 'pos' then 1 else 0 end)" },
      first_seen_at: { source: 'web_events', sql: 'min(ts)' },
      last_seen_at: { source: 'web_events', sql: 'max(ts)' },
      app_last_seen_at: { source: 'app_events', sql: 'max(ts)' },
      email_opens: { source: 'email_engagement', sql: "sum(case when event_type = 'open' then 1 else 0 end)" },
      email_clicks: { source: 'email_engagement', sql: "sum(case when event_type = 'click' then 1 else 0 end)" },
      ticket_count: { source: 'support_tickets', sql: 'count(*)' },
    },
  },

  // Identity sources that are event streams (for audiences): `name` is a SQL expression.
  events: [
    { source: 'web_events', name: 'event' },
    { source: 'app_events', name: 'event' },
    { source: 'orders', name: "'order_completed'" },
    { source: 'email_engagement', name: "'email_' || event_type" },
  ],

  // Predictive traits, trained on the history and scored into profiles on every `cdp run`
  // (docs/predictions.md): each adds `<name>` and `<name>_percentile` columns audiences can use.
  predictions: {
    purchase_30d: {
      kind: 'propensity',
      event: 'order_completed',
      window: '30 days',
      description: 'Probability of ordering in the next 30 days',
      // Stable attributes only: a trait is today's value, not the value at the training cutoff.
      features: { traits: ['country'] },
    },
    churn_90d: { kind: 'churn', event: 'order_completed', window: '90 days', description: 'Probability of not ordering in the next 90 days' },
    ltv_90d: { kind: 'ltv', event: 'order_completed', window: '90 days', value: 'amount', description: 'Expected order value in the next 90 days' },
  },

  privacy: {
    consent: {
      // Consent decisions per person and purpose; the latest per profile and purpose wins.
      // Purposes (and their policies) default to email_marketing and advertising (require granted),
      // analytics and personalization (allow unknown). Ad platforms need `advertising`, email
      // tools `email_marketing`: syncs to them hold back everyone else.
      sources: [
        {
          name: 'consent_records',
          relation: 'stg_consent_records',
          ids: { email: 'email', phone: 'phone' },
          purpose: 'purpose',
          status: 'status',
          timestamp: 'ts',
        },
      ],
    },
    // Personal data: masked for roles without pii:read, never logged, hashed before ad platforms.
    pii: ['email', 'phone', 'first_name', 'last_name', 'city'],
    // Per-row sync logs and run details older than this are deleted.
    retentionDays: 30,
  },

  // Destinations created in the UI/API reach public addresses only; the demo's local webhook
  // receiver (syncs/vip_to_webhook.yaml) is allowed too. Files they write go under .cdp/files.
  network: { allow: ['127.0.0.1:8787'] },

  state: { client: 'better-sqlite3', filename: '.cdp/state.sqlite' },
} satisfies CdpConfigInput;
