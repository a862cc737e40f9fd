/**
 * npm run clinical-check [-- --max-encounters N] [--max-patients N] [--populations a,b] [--seed S] [--json]
 * Prints the report as JSON on stdout, then (unless --json) a short table; progress goes to stderr.
 */
import { formatClinicalCheck, runClinicalCheck, type ClinicalCheckOptions } from '../src/eval/clinical-check/run';

function parseArgs(argv: readonly string[]): ClinicalCheckOptions & { json: boolean } {
  const options: ClinicalCheckOptions & { json: boolean } = { json: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${flag} needs a value`);
      return next;
    };
    const positive = (): number => {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer`);
      return n;
    };
    if (flag === '--json') options.json = true;
    else if (flag === '--max-encounters') options.maxEncounters = positive();
    else if (flag === '--max-patients') options.maxPatients = positive();
    else if (flag === '--populations') options.populations = value().split(',').map((p) => p.trim()).filter(Boolean);
    else if (flag === '--seed') options.seed = value();
    else throw new Error(`unknown option ${flag}`);
  }
  return options;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const report = await runClinicalCheck({ ...options, onProgress: (message) => process.stderr.write(`${message} (${((Date.now() - started) / 1000).toFixed(0)} s)\n`) });
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  if (!options.json) process.stdout.write(`\n${formatClinicalCheck(report)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`clinical-check failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
