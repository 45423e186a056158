import { z } from 'zod';

export const DestinationViewSchema = z.object({
  name: z.string(),
  type: z.string(),
  config: z.record(z.string(), z.unknown()),
  secretFields: z.array(z.string()).describe("Config fields that hold a stored secret."),
  createdAt: z.string(),
  updatedAt: z.string(),
  createdBy: z.string().nullable(),
  updatedBy: z.string().nullable(),
}).meta({ id: 'DestinationView' });

export const DestinationTypeSchema = z.object({
  type: z.string(),
  modes: z.array(z.string()),
  secretFields: z.array(z.string()),
  configSchema: z.record(z.string(), z.unknown()).describe("JSON Schema of the config, for forms"),
}).meta({ id: 'DestinationType' });

export const ConnectionTestSchema = z.object({
  ok: z.boolean(),
  message: z.string(),
}).meta({ id: 'ConnectionTest' });
