import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { route, type AnyRouteSpec } from '../routing.js';
import { PredictionDetailSchema, PredictionViewSchema } from '../schemas/predictions.js';
import { listPredictions, predictionDetail } from '../services/predictions.js';

const predictionParams = z.object({ name: z.string().min(1).max(128) }).strict();

export function predictionRoutes(ctx: ServerContext): AnyRouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/api/predictions',
      response: z.array(PredictionViewSchema),
      access: 'read',
      tag: 'predictions',
      summary: 'Configured predictions with their model and last backtest (quality vs the recency/frequency baseline)',
      handler: () => listPredictions(ctx),
    }),
    route({
      method: 'get',
      path: '/api/predictions/:name',
      response: PredictionDetailSchema,
      access: 'read',
      tag: 'predictions',
      summary: "One prediction: model, backtest, the model's drivers and the distribution of the current scores",
      params: predictionParams,
      handler: ({ params }) => predictionDetail(ctx, params.name),
    }),
  ];
}
