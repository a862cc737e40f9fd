/**
 * The CLI's options, their type and the usage text: one module every command reads, so that `main.ts`
 * (which loads the commands on demand) and the commands never import each other.
 */
import type { parseArgs } from 'util';

export const USAGE = `usage: lamo-cds <command> [options]

commands:
  dataset   --data <dir|file> [--data …] --out <file.jsonl> [--model <dir>] [--corpus <file.jsonl>]
  eval      --data <dir|file> [--data …] [--split internal|temporal] [--model <dir>]
            [--train-data <dir|file> [--train-data …]] [--json] [--allow-trained-on]
            [--report <dir> [--bootstrap <resamples>] [--seed <n>]]
  recommend --data <bundle|ndjson dir> --patient <id> [--encounter <id>] [--model <dir>] [--json]

--data and --train-data may be repeated, one population (data folder) each.
`;

export class UsageError extends Error {}

export const OPTIONS = {
  data: { type: 'string', multiple: true },
  out: { type: 'string' },
  corpus: { type: 'string' },
  split: { type: 'string' },
  model: { type: 'string' },
  'train-data': { type: 'string', multiple: true },
  patient: { type: 'string' },
  encounter: { type: 'string' },
  json: { type: 'boolean' },
  'allow-trained-on': { type: 'boolean' },
  report: { type: 'string' },
  bootstrap: { type: 'string' },
  seed: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export type CliOptions = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

export function requireOption<K extends keyof CliOptions>(values: CliOptions, name: K): NonNullable<CliOptions[K]> {
  const value = values[name];
  if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) {
    throw new UsageError(`missing --${String(name)}`);
  }
  return value as NonNullable<CliOptions[K]>;
}

/** A repeatable option that this command takes once. */
export function requireSingle(values: CliOptions, name: 'data' | 'train-data'): string {
  const list = requireOption(values, name);
  if (list.length > 1) throw new UsageError(`--${name} is given ${list.length} times; this command takes one`);
  return list[0];
}
