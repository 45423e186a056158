import { createHash } from 'node:crypto';
import type { PredictionConfig } from '../config/index.js';
import { CdpError } from '../errors.js';
import type { Project } from '../project/index.js';

/** The prediction of that name in the config, or a clear error naming the ones there are. */
export function predictionConfig(project: Project, name: string): PredictionConfig {
  const prediction = project.config.predictions[name];
  if (prediction) return prediction;
  const names = Object.keys(project.config.predictions);
  throw new CdpError('NOT_FOUND', `no prediction named \`${name}\``, {
    location: { file: project.configFile, path: 'predictions' },
    hint: names.length ? `configured: ${names.join(', ')}` : 'declare one under `predictions` in cdp.config.ts (see docs/predictions.md)',
  });
}

/** What a model depends on in the config: a model trained under another one is retrained before it scores. */
export function configFingerprint(prediction: PredictionConfig): string {
  const { kind, event, window, value, features, l2 } = prediction;
  return createHash('sha256').update(JSON.stringify({ kind, event, window, value, features, l2 })).digest('hex').slice(0, 16);
}
