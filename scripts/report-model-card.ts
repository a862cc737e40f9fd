/** Regenerates MODEL_CARD.md's validation tables and model/reports/index.html from the committed reports.
 * `--check`: write nothing, exit 1 when either file differs from what the reports give. */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'fs';
import * as path from 'path';
import { DEFAULT_MODEL_DIR } from '../src/paths';
import { modelCardTables, replaceGenerated, runsIndexHtml, type NamedReport } from '../src/report/model-card';
import type { ValidationReport } from '../src/report/types';

export const REPORTS_DIR = path.join(DEFAULT_MODEL_DIR, 'reports');
export const MODEL_CARD = path.join(DEFAULT_MODEL_DIR, 'MODEL_CARD.md');

export function committedReports(dir = REPORTS_DIR): NamedReport[] {
  return readdirSync(dir)
    .filter((name) => existsSync(path.join(dir, name, 'report.json')))
    .sort()
    .map((name) => ({ name, report: JSON.parse(readFileSync(path.join(dir, name, 'report.json'), 'utf8')) as ValidationReport }));
}

/** The two files as the reports say they should be. */
export function expectedFiles(dir = REPORTS_DIR, card = MODEL_CARD): { file: string; text: string }[] {
  const reports = committedReports(dir);
  return [
    { file: card, text: replaceGenerated(readFileSync(card, 'utf8'), modelCardTables(reports)) },
    { file: path.join(dir, 'index.html'), text: runsIndexHtml(reports) },
  ];
}

if (require.main === module) {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const { file, text } of expectedFiles()) {
    const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
    if (current === text) continue;
    stale += 1;
    if (check) process.stderr.write(`${file} differs from the committed reports: run npm run report:model-card\n`);
    else writeFileSync(file, text);
  }
  process.exitCode = check && stale ? 1 : 0;
}
