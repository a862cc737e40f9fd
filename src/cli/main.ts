#!/usr/bin/env node
/** `lamo-cds <command>`: dataset, eval, recommend. */
import { parseArgs } from 'util';

const USAGE = `usage: lamo-cds <command> [options]

commands:
  dataset   --data <dir|file> --out <file.jsonl> [--model <dir>] [--corpus <file.jsonl>]
  eval      --data <dir|file> [--split internal|temporal] [--model <dir>] [--train-data <dir|file>] [--json]
            [--report <dir> [--bootstrap <resamples>] [--seed <n>]]
  recommend --data <bundle|ndjson dir> --patient <id> [--encounter <id>] [--model <dir>] [--json]
`;

export class UsageError extends Error {}

const OPTIONS = {
  data: { type: 'string' },
  out: { type: 'string' },
  corpus: { type: 'string' },
  split: { type: 'string' },
  model: { type: 'string' },
  'train-data': { type: 'string' },
  patient: { type: 'string' },
  encounter: { type: 'string' },
  json: { type: 'boolean' },
  report: { type: 'string' },
  bootstrap: { type: 'string' },
  seed: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export type CliOptions = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

export function requireOption<K extends keyof CliOptions>(values: CliOptions, name: K): NonNullable<CliOptions[K]> {
  const value = values[name];
  if (value === undefined || value === '') throw new UsageError(`missing --${String(name)}`);
  return value as NonNullable<CliOptions[K]>;
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const [command] = parsed.positionals;
  if (parsed.values.help || !command) {
    process.stdout.write(USAGE);
    return command || parsed.values.help ? 0 : 2;
  }
  // Loaded on demand: `dataset` should not pay for loading onnxruntime.
  const commands: Record<string, () => Promise<(values: CliOptions) => Promise<void>>> = {
    dataset: async () => (await import('./dataset-command')).runDataset,
    eval: async () => (await import('./eval-command')).runEval,
    recommend: async () => (await import('./recommend-command')).runRecommend,
  };
  const run = commands[command];
  if (!run) {
    process.stderr.write(`unknown command: ${command}\n${USAGE}`);
    return 2;
  }
  try {
    await (await run())(parsed.values);
    return 0;
  } catch (error) {
    const usage = error instanceof UsageError;
    process.stderr.write(`lamo-cds ${command}: ${(error as Error).message}\n${usage ? USAGE : ''}`);
    return usage ? 2 : 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
