/** The `eval --report <dir> [--bootstrap <n>] [--seed <n>]` options: read and checked here, used by eval-command. */
import { DEFAULT_RESAMPLES, DEFAULT_SEED } from '../report/eval-report';
import { UsageError, type CliOptions } from './options';

export interface ReportSettings {
  dir: string;
  resamples: number;
  seed: number;
  commandLine: string;
}

function integer(value: string | undefined, name: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min) throw new UsageError(`--${name} must be an integer ≥ ${min}, got "${value}"`);
  return Number(value);
}

/** Undefined without --report; --bootstrap / --seed alone are a usage error (they would do nothing). */
export function reportSettings(values: CliOptions, argv: readonly string[] = process.argv): ReportSettings | undefined {
  if (!values.report) {
    if (values.bootstrap !== undefined || values.seed !== undefined) throw new UsageError('--bootstrap and --seed need --report <dir>');
    return undefined;
  }
  return {
    dir: values.report,
    // Fewer than 100 resamples cannot place a 2.5% percentile.
    resamples: integer(values.bootstrap, 'bootstrap', DEFAULT_RESAMPLES, 100),
    seed: integer(values.seed, 'seed', DEFAULT_SEED, 0),
    commandLine: ['lamo-cds', ...argv.slice(2)].join(' '),
  };
}
