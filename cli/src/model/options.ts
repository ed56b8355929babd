import type { Command } from 'commander';
import { FraudError } from '@fraud/common';
import { builtInFeatureSpecs, defaultSpecForFields, loadFeatureSpec, type FeatureSpec } from '@fraud/model';
import { BUILTIN_MAPPINGS, type CompiledMapping } from '@fraud/model/csv';
import { parseDuration } from '@fraud/producers';
import { argParser } from '../args.ts';

/** The label delay when none is given: the split gap `fraud model train` has always used. */
export const DEFAULT_LABEL_DELAY_MS = 6 * 3_600_000;

const durationArg = argParser((v) => parseDuration(v, '--label-delay'));

/** --csv, --mapping and --label-delay, the same on train, evaluate and score. */
export function inputOptions(command: Command, labelDelayHelp: string): Command {
  return command
    .requiredOption('--csv <file>', 'the CSV (a Kaggle PaySim CSV with the default mapping)')
    .option(
      '--mapping <name|file>',
      `column mapping: a built-in (${BUILTIN_MAPPINGS.join(', ')}) or a JSON file (docs/import.md)`,
      'paysim',
    )
    .option('--label-delay <time>', labelDelayHelp, durationArg);
}

/**
 * The label delay: --label-delay, else --gap-hours (train's older name for the same thing), else
 * what the model was trained with (evaluate, score), else 6 h.
 */
export function labelDelayOf(o: { labelDelay?: number; gapHours?: number }, trainedWith?: unknown): number {
  if (o.labelDelay !== undefined && o.gapHours !== undefined)
    throw new FraudError('BAD_REQUEST', '--label-delay and --gap-hours are the same setting: give one');
  if (o.labelDelay !== undefined) return o.labelDelay;
  if (o.gapHours !== undefined) return o.gapHours * 3_600_000;
  return typeof trainedWith === 'number' && trainedWith >= 0 ? trainedWith : DEFAULT_LABEL_DELAY_MS;
}

/** --spec, else the shipped spec that fits the fields the mapping fills; says which and why. */
export function pickSpec(spec: string | undefined, compiled: CompiledMapping): { spec: FeatureSpec; why: string } {
  if (spec !== undefined) return { spec: loadFeatureSpec(spec), why: `--spec ${spec}` };
  const picked = defaultSpecForFields(compiled.fields);
  const balances = compiled.fields.includes('originBalanceBefore') && compiled.fields.includes('destBalanceBefore');
  return {
    spec: picked,
    why:
      `default for mapping ${compiled.mapping.name} (${balances ? 'has' : 'no'} balances); ` +
      `shipped specs: ${builtInFeatureSpecs().join(', ')}`,
  };
}

/** The label delay a model was trained with (recorded in its metadata), for evaluate and score. */
export function trainedLabelDelay(metadata: object): unknown {
  return (metadata as { provenance?: { labelDelayMs?: unknown } }).provenance?.labelDelayMs;
}
