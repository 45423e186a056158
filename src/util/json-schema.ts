import type { z } from 'zod';

/**
 * Schemas that JSON Schema should describe by another, structural schema. A schema that
 * validates through a transform (for errors that point into the value the user meant, e.g. the
 * audience `where` tree) is opaque to `z.toJSONSchema`; the structural twin, which accepts the
 * same values, is what the API document and the typed clients show. Give the twin a `meta({ id })`:
 * it becomes a named, possibly recursive, component.
 */
const shapes = new WeakMap<object, z.ZodType>();

export function documentedAs<T extends z.ZodType>(schema: T, shape: z.ZodType): T {
  shapes.set(schema, shape);
  return schema;
}

export function documentedShape(schema: object): z.ZodType | undefined {
  return shapes.get(schema);
}
