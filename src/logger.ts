import { pino, type Logger } from 'pino';

/**
 * One JSON line per event. Redaction is a safety net: callers must still never pass secrets or
 * raw PII (emails, phones) as fields.
 */
export const logger: Logger = pino({
  level: process.env.CDP_LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info'),
  redact: {
    paths: ['*.password', '*.api_key', '*.apiKey', '*.token', '*.secret', '*.authorization', 'headers.authorization'],
    censor: '[redacted]',
  },
});

export type { Logger };
