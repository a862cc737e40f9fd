/** The `lamo-cds` CLI as a user runs it: the compiled bin, real shared data, real files. */
import { execFile } from 'child_process';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { PROJECT_ROOT, SHARED_DIR } from '../../src/paths';

const run = promisify(execFile);
const BIN = path.join(PROJECT_ROOT, 'dist', 'src', 'cli', 'main.js');
const BULK_10 = path.join(SHARED_DIR, 'data', 'synthea-bulk-10');
const R4_615 = path.join(SHARED_DIR, 'data', 'synthea-r4-615');
const QICORE_177 = path.join(SHARED_DIR, 'data', 'synthea-qicore-177');

async function cli(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [BIN, ...args], { cwd: PROJECT_ROOT, maxBuffer: 64 * 1024 * 1024 });
}

async function cliFailure(...args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    await cli(...args);
  } catch (error) {
    const failure = error as { code: number; stderr: string };
    return { code: failure.code, stderr: failure.stderr };
  }
  throw new Error('expected the command to fail');
}

describe('lamo-cds dataset', () => {
  it('writes one line per encounter with orders, deterministic, without raw ids', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lamo-dataset-'));
    const first = path.join(dir, 'a.jsonl');
    const second = path.join(dir, 'b.jsonl');
    const { stderr } = await cli('dataset', '--data', BULK_10, '--out', first);
    await cli('dataset', '--data', BULK_10, '--out', second);
    expect(stderr).toMatch(/unresolved references 0/);
    const text = readFileSync(first, 'utf8');
    expect(readFileSync(second, 'utf8')).toBe(text);
    const lines = text.trim().split('\n').map((line) => JSON.parse(line));
    expect(lines.length).toBeGreaterThan(800);
    const line = lines[0];
    expect(Object.keys(line).sort()).toEqual(['candidates', 'date', 'encounter', 'patient', 'population', 'prefix', 'regime', 'split', 'suffixTemplate', 'template', 'unreachableLabels']);
    expect(line.population).toBe('synthea-bulk-10');
    // Every ordered drug is truth: bulk-10's epoetin alfa is outside the vocabulary, a candidate once ordered.
    const epoetin = lines.flatMap((l) => l.candidates).filter((c: { name: string }) => c.name === 'epoetin alfa');
    expect(epoetin.some((c: { label: number; history?: string }) => c.label === 1 && /ordered at the last visit/.test(c.history ?? ''))).toBe(true);
    expect(line.patient).toMatch(/^[0-9a-f]{16}$/);
    expect(line.candidates.some((c: { label: number }) => c.label === 1)).toBe(true);
    expect(['train', 'val', 'test']).toContain(line.split.internal);
    expect(text).not.toMatch(/"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"/);
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails with a usage error when --out is missing', async () => {
    const failure = await cliFailure('dataset', '--data', BULK_10);
    expect(failure.code).toBe(2);
    expect(failure.stderr).toMatch(/missing --out/);
  });

  it('names the path when the data does not exist', async () => {
    const failure = await cliFailure('dataset', '--data', '/nonexistent/data', '--out', path.join(tmpdir(), 'x.jsonl'));
    expect(failure.code).toBe(1);
    expect(failure.stderr).toMatch(/\/nonexistent\/data/);
  });
});

describe('lamo-cds eval', () => {
  it('reports all five baselines on the internal split in the documented JSON shape, by regime too; logistic Jaccard ≥ 0.70', async () => {
    const { stdout, stderr } = await cli('eval', '--data', R4_615, '--split', 'internal', '--json');
    expect(stderr).toMatch(/peak RSS \d+ MB/);
    const report = JSON.parse(stdout);
    expect(Object.keys(report)).toEqual(['dataset', 'split', 'visits', 'results', 'populations', 'regimes']);
    expect(report.populations).toEqual([{ name: 'synthea-r4-615', visits: report.visits, results: report.results, regimes: report.regimes }]);
    expect(report.split).toBe('internal');
    expect(report.visits).toBeGreaterThan(300);
    const methods = report.results.map((r: { method: string }) => r.method);
    expect(methods).toEqual(['frequency', 'carry-forward', 'logistic', 'logistic-prompt', 'history']);
    for (const row of report.results) {
      expect(Object.keys(row)).toEqual(['method', 'jaccard', 'f1', 'precision', 'recall', 'prauc', 'ddi_rate', 'avg_predicted', 'avg_truth']);
    }
    // Every test visit is in exactly one regime; every method has a row with its interval in each regime met.
    const regimes = report.regimes as { regime: string; visits: number; results: { method: string; jaccard: number; jaccard_ci: [number, number] }[] }[];
    expect(regimes.map((r) => r.regime)).toEqual(['first-visit', 'no-renewals', 'some-renewals', 'renewing']);
    expect(regimes.reduce((sum, r) => sum + r.visits, 0)).toBe(report.visits);
    for (const regime of regimes.filter((r) => r.visits > 0)) {
      expect(regime.results.map((r) => r.method)).toEqual(methods);
      for (const r of regime.results) expect(r.jaccard_ci[0] <= r.jaccard + 1e-9 && r.jaccard <= r.jaccard_ci[1] + 1e-9).toBe(true);
    }
    const logistic = report.results[2];
    expect(logistic.jaccard).toBeGreaterThanOrEqual(0.7);
    expect(logistic.jaccard).toBeGreaterThan(report.results[0].jaccard);
  });

  it('tests several populations at once, each with its own breakdown that adds up to the pooled figures', async () => {
    const { stdout, stderr } = await cli('eval', '--data', BULK_10, '--data', QICORE_177, '--split', 'temporal', '--json');
    expect(stderr).toMatch(/test data synthea-bulk-10: loaded 13 files/);
    expect(stderr).toMatch(/test data synthea-qicore-177: loaded 181 files/);
    const report = JSON.parse(stdout);
    expect(report.split).toBe('temporal');
    expect(report.populations.map((p: { name: string }) => p.name)).toEqual(['synthea-bulk-10', 'synthea-qicore-177']);
    const [bulk, qicore] = report.populations as { visits: number; results: { method: string; avg_truth: number }[] }[];
    expect(bulk.visits).toBeGreaterThan(0);
    expect(qicore.visits).toBeGreaterThan(0);
    expect(bulk.visits + qicore.visits).toBe(report.visits);
    // Pooled averages are the visit-weighted per-population ones.
    const pooled = (bulk.visits * bulk.results[0].avg_truth + qicore.visits * qicore.results[0].avg_truth) / report.visits;
    expect(report.results[0].avg_truth).toBeCloseTo(pooled, 10);
  });

  it('validates externally: trains on --train-data, tests on every encounter of --data', async () => {
    const { stdout } = await cli('eval', '--train-data', QICORE_177, '--data', BULK_10, '--json');
    const report = JSON.parse(stdout);
    expect(report.split).toBe('external');
    expect(report.dataset).toBe(`${QICORE_177} -> ${BULK_10}`);
    expect(report.populations.map((p: { name: string; visits: number }) => [p.name, p.visits])).toEqual([['synthea-bulk-10', report.visits]]);
    expect(report.visits).toBeGreaterThan(800);
  });

  it('refuses to test on a population it trains on', async () => {
    const failure = await cliFailure('eval', '--train-data', BULK_10, '--data', BULK_10);
    expect(failure.code).toBe(2);
    expect(failure.stderr).toMatch(/both --data and --train-data/);
  });

  it('rejects an unknown split', async () => {
    const failure = await cliFailure('eval', '--data', BULK_10, '--split', 'random');
    expect(failure.code).toBe(2);
    expect(failure.stderr).toMatch(/--split must be one of internal, temporal/);
  });
});
