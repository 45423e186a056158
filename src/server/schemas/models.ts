import { z } from 'zod';
import { dateSchema } from './common.js';

export const ModelViewSchema = z.object({
  name: z.string(),
  file: z.string(),
  relation: z.string(),
  materialized: z.string(),
  tags: z.array(z.string()),
  refs: z.array(z.string()),
  sources: z.array(z.string()),
  lastBuild: z.object({ status: z.string(), startedAt: z.string(), finishedAt: z.string(), rows: z.number().nullable(), durationMs: z.number(), error: z.string().nullable() }).nullable(),
}).meta({ id: 'ModelView' });

export const ModelBuildSchema = z.object({
  id: z.number(),
  durationMs: z.number(),
  model: z.string(),
  startedAt: dateSchema,
  finishedAt: dateSchema,
  rows: z.number().nullable().describe("Rows in the built relation, when known."),
  status: z.enum(["success", "error", "skipped"]),
  error: z.string().nullable(),
}).meta({ id: 'ModelBuild' });
