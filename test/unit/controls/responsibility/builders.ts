// Builders of the ResponsibilityDefined tests: a matrix with its rows changed.

import type { ServiceModel } from '../../../../operator/src/api/types.js';
import { aMatrix, aSpec } from '../../builders.js';

export const MODELS: ServiceModel[] = ['IaaS', 'PaaS', 'SaaS'];

export function withRows(
  model: ServiceModel,
  change: (rows: ReturnType<typeof aMatrix>['areas']) => ReturnType<typeof aMatrix>['areas'],
) {
  const matrix = aMatrix(model);
  return aSpec({ model, sharedResponsibility: { ...matrix, areas: change(matrix.areas) } });
}
