import { z } from 'zod';
import { parseEnv } from '@fraud/common';

/** The native libraries' settings: read where XGBoost is loaded (training, retraining, bootstrap). */
export const modelEnvSchema = z.object({
  XGBOOST_LIB: z
    .string()
    .optional()
    .describe('libxgboost shared library to load; unset: the first that exists of the usual install paths.'),
  OMP_WAIT_POLICY: z
    .string()
    .optional()
    .describe(
      'Read by libgomp (XGBoost, onnxruntime) once when loaded; unset: set to passive before XGBoost loads, ' +
        'since active spin-waiting makes training about 5x slower on a shared 2-core machine.',
    ),
});
export type ModelEnv = z.infer<typeof modelEnvSchema>;

export function parseModelEnv(env: Record<string, string | undefined> = process.env): ModelEnv {
  return parseEnv(modelEnvSchema, env);
}

/** Sets OMP_WAIT_POLICY=passive for this process unless the operator chose a policy; before libgomp loads. */
export function defaultOmpWaitPolicy(env: ModelEnv): void {
  if (env.OMP_WAIT_POLICY === undefined) process.env.OMP_WAIT_POLICY = 'passive';
}
