import type { Project } from '../project/index.js';
import { KINDS } from './kinds.js';
import { percentileColumn } from './score.js';

/** What a profile column written by a prediction is, for the audience builder. */
export interface PredictionColumn {
  name: string;
  role: 'score' | 'percentile';
  meaning: string;
}

/** The profile columns the configured predictions write, by column name. */
export function predictionColumns(project: Project): Map<string, PredictionColumn> {
  const columns = new Map<string, PredictionColumn>();
  for (const [name, prediction] of Object.entries(project.config.predictions)) {
    const meaning = prediction.description ?? `${KINDS[prediction.kind].meaning} (${prediction.event}, ${prediction.window} days)`;
    columns.set(name, { name, role: 'score', meaning });
    columns.set(percentileColumn(name), { name, role: 'percentile', meaning: `percentile (0-100) among profiles of: ${meaning}` });
  }
  return columns;
}
