#!/usr/bin/env node
/** `lamo-cds <command>`: dataset, eval, recommend. */
import { parseArgs } from 'util';
import { OPTIONS, USAGE, UsageError, type CliOptions } from './options';

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
