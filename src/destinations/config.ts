import { z } from 'zod';
import { secretRefSchema } from '../config/index.js';

/** Config pieces every HTTP destination shares. */

/** Where the vendor's API lives (proxies, EU data centres, tests): an http(s) URL. */
export const baseUrlSchema = z
  .string()
  .url()
  .refine((url) => /^https?:\/\//i.test(url), 'an http:// or https:// URL');

/** A credential: always a reference, never the value. */
export const secretSchema = secretRefSchema;

/** Header values: plain text, or a secret reference for anything sensitive. */
export const headersSchema = z.record(z.string().min(1), z.union([z.string(), secretRefSchema]));

/** `{ requests, per_seconds }` as users write it in sync YAML. */
export const rateLimitSchema = z
  .object({ requests: z.number().positive(), per_seconds: z.number().positive() })
  .strict()
  .transform((r) => ({ requests: r.requests, perSeconds: r.per_seconds }));
