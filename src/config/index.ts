export { configSchema, warehouseSchema, stateSchema } from './schema.js';
export type { CdpConfig, CdpConfigInput, WarehouseConfig, StateConfig } from './schema.js';
export { defineConfig, loadConfig, parseConfig, CONFIG_FILES } from './load.js';
export { secretRefSchema, resolveEnvSecret, type SecretRef } from './secrets.js';
export * from './identity.js';
export * from './privacy.js';
export { authSchema, oidcSchema, isLoopbackHost, type AuthConfig, type OidcConfig, type OidcRoleRules } from './auth.js';
export { collectSchema, sourceNameSchema, type CollectConfig, type CollectConfigInput } from './collect.js';
export { alertsSchema, alertRuleSchema, alertChannelSchema, type AlertsConfig, type AlertRule, type AlertChannel } from './alerts.js';
