import { z } from 'zod';
import { VALUE_FORMATS } from '../../destinations/index.js';

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

export const DestinationFieldSchema = z.object({
  name: z.string(),
  type: z.enum(['string', 'email', 'phone', 'number', 'boolean', 'date', 'json']),
  identifier: z.boolean().optional().describe('Identifies the record at the vendor (matching, hashing)'),
  required: z.boolean().optional().describe('Every sync must map it'),
  format: z.enum(VALUE_FORMATS).optional().describe('How the vendor wants a date or timestamp in this field (date, datetime, month_day)'),
  description: z.string().optional(),
}).meta({ id: 'DestinationField' });

export const DestinationTypeSchema = z.object({
  type: z.string(),
  displayName: z.string().describe('The name people know the tool by'),
  label: z.string().optional(),
  docs: z.string().optional().describe('Its documentation page, relative to the repository'),
  modes: z.array(z.string()),
  secretFields: z.array(z.string()),
  targetFields: z.array(z.string()).nullable().describe('Config fields deciding where rows go: changing one over the API clears the stored secrets (null: any field)'),
  fields: z.array(DestinationFieldSchema).describe('Destination fields the vendor documents'),
  openFields: z.boolean().describe('Whether other destination field names are accepted too'),
  fieldRule: z.string().optional(),
  configSchema: z.record(z.string(), z.unknown()).describe("JSON Schema of the config, for forms"),
}).meta({ id: 'DestinationType' });

/** An update's answer: the destination, and the stored secrets a re-point cleared. */
export const DestinationUpdatedSchema = DestinationViewSchema.extend({
  secretsCleared: z.array(z.string()).describe('Secret fields cleared because the update changed where the destination sends'),
}).meta({ id: 'DestinationUpdated' });

export const ConnectionTestSchema = z.object({
  ok: z.boolean(),
  message: z.string(),
}).meta({ id: 'ConnectionTest' });
