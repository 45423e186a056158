import { pino, type Logger, type LoggerOptions } from 'pino';
import { scrubSecretText } from './util/secret-scrub.js';
import { BUILT_IN_PII, scrubText as scrubPii } from './util/mask.js';

/** Every string logged: secrets revealed so far removed (in every encoding), emails and phones masked. */
const scrubText = (text: string): string => scrubPii(scrubSecretText(text));

/**
 * One JSON line per event. Redaction is a safety net: callers must still never pass secrets or
 * raw PII (emails, phones) as fields.
 *
 * Three layers:
 * - secrets (and top-level `email`/`phone`): fixed pino `redact` paths (`[redacted]`);
 * - secret values: every string is passed through the one secret scrubber (src/util/secret-scrub.ts),
 *   which knows every secret the process has revealed, in all its encodings;
 * - PII: every logged object is walked (a few levels deep) before it is written: the values of keys
 *   named as PII are replaced, and emails / `+`-phones inside any string (error messages, driver
 *   text, the message itself) are masked. The PII key names are a mutable set: `email`, `phone`
 *   always, plus the project's `privacy.pii` names once its config is loaded (`redactPiiKeys`).
 *   pino compiles `redact` paths once per logger, so configured names could not reach the global
 *   logger and the children made from it; a formatter read at every call can.
 */

const SECRET_KEYS = ['password', 'api_key', 'apiKey', 'token', 'secret', 'authorization'];
/**
 * pino `redact` paths, compiled once: secrets at the top and one level down, and the built-in PII
 * keys at the top level. The latter is what covers child-logger bindings (`logger.child({ email })`):
 * pino formats bindings once at child creation, outside the per-call formatter below.
 */
const REDACT_PATHS = [
  ...SECRET_KEYS.flatMap((key) => [key, `*.${key}`]),
  'headers.authorization',
  ...BUILT_IN_PII.flatMap((key) => [key, key.toUpperCase(), key[0]!.toUpperCase() + key.slice(1)]),
];
export const REDACTED = '[redacted]';
const MAX_DEPTH = 5;

const piiKeys = new Set<string>(BUILT_IN_PII);

/** Adds names (config `privacy.pii`) whose values are never logged; case-insensitive, additive for the process. */
export function redactPiiKeys(names: readonly string[]): void {
  for (const name of names) if (name.trim()) piiKeys.add(name.trim().toLowerCase());
}

/** The names redacted right now (tests, docs). */
export function redactedPiiKeys(): string[] {
  return [...piiKeys].sort();
}

function scrub(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (value === null || typeof value !== 'object' || depth >= MAX_DEPTH) return value;
  if (value instanceof Date) return value;
  if (value instanceof Error) {
    // A copy, never the caller's error; pino's err serializer keeps plain objects as they are.
    const cause = (value as { cause?: unknown }).cause;
    return {
      type: value.name,
      message: scrubText(value.message),
      ...(value.stack ? { stack: scrubText(value.stack) } : {}),
      ...('code' in value ? { code: (value as { code?: unknown }).code } : {}),
      ...(cause !== undefined ? { cause: scrub(cause, depth + 1) } : {}),
    };
  }
  if (Array.isArray(value)) return value.map((item) => scrub(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = piiKeys.has(key.toLowerCase()) ? (item === null || item === undefined ? item : REDACTED) : scrub(item, depth + 1);
  return out;
}

/** The logged object with PII keys redacted and emails/phones in its strings masked. */
export function redactLogObject(object: Record<string, unknown>): Record<string, unknown> {
  return scrub(object, 0) as Record<string, unknown>;
}

/** Logger options with both redaction layers (for loggers made elsewhere, e.g. tests capturing output). */
export function redactingOptions(options: LoggerOptions = {}): LoggerOptions {
  return {
    ...options,
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    formatters: { ...options.formatters, log: (object) => redactLogObject(object) },
    serializers: { ...options.serializers, msg: (msg: unknown) => (typeof msg === 'string' ? scrubText(msg) : msg) },
  };
}

/** How log lines reach the terminal: readable `time LEVEL message key=value` lines, or one JSON object per line. */
export type LogFormat = 'text' | 'json';
export const LOG_FORMATS: readonly LogFormat[] = ['text', 'json'];

let format: LogFormat = 'text';

/** Switches the format of every logger made from `logger` (`--log-format`, `LOG_FORMAT`). */
export function setLogFormat(next: LogFormat): void {
  format = next;
}

export function logFormat(): LogFormat {
  return format;
}

const HIDDEN = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'v']);
const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

function fieldText(value: unknown): string {
  if (typeof value === 'string') return /[\s"=]/.test(value) ? JSON.stringify(value) : value;
  if (value !== null && typeof value === 'object' && 'message' in value && typeof value.message === 'string') return JSON.stringify(value.message);
  return JSON.stringify(value);
}

/** One pino JSON line as a line people read: `12:04:05 INFO  sync run finished sync=crm status=success ok=17`. */
export function readableLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const time = new Date(typeof entry.time === 'number' ? entry.time : Date.now()).toISOString().slice(11, 19);
  const level = (LEVELS[Number(entry.level)] ?? String(entry.level)).padEnd(5);
  const fields = Object.entries(entry)
    .filter(([key, value]) => !HIDDEN.has(key) && value !== undefined)
    .map(([key, value]) => `${key}=${fieldText(value)}`);
  return `${time} ${level} ${typeof entry.msg === 'string' ? entry.msg : ''}${fields.length ? ` ${fields.join(' ')}` : ''}\n`;
}

/** pino writes JSON here; the terminal gets it as JSON or as readable lines. */
const output = {
  write(line: string): void {
    process.stdout.write(format === 'json' ? line : readableLine(line));
  },
};

export const logger: Logger = pino(redactingOptions({ level: process.env.CDP_LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info') }), output);

export type { Logger };
