export { createApp, routeTable, appContext, DEFAULT_WEB_DIR, type AppOptions } from './app.js';
export { createContext, type ServerContext, type ContextOptions } from './context.js';
export { HttpError, toApiError, statusForCode, type ApiErrorBody, type ApiErrorCode } from './errors.js';
export { buildOpenApi } from './openapi.js';
export { roleMayAccess, type AnyRouteSpec, type Access, type HttpMethod } from './routing.js';
export type { Principal } from './principal.js';
export type { DestinationCatalog, DestinationTypeInfo, DestinationView } from './services/destinations.js';
export { startServer, type ServeOptions, type RunningServer } from './serve.js';
