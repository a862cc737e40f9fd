/** Issue 10's done-when test: `eval --report` on the external validation of the shipped model (real data, real
 * model, the compiled CLI), then what a governance committee relies on is checked in report.json and index.html. */
import { execFile } from 'child_process';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { DEFAULT_MODEL_DIR, PROJECT_ROOT, SHARED_DIR } from '../../src/paths';
import { loadVocabulary } from '../../src/medications/vocabulary';
import type { Estimate, ValidationReport } from '../../src/report/types';

const run = promisify(execFile);
const BIN = path.join(PROJECT_ROOT, 'dist', 'src', 'cli', 'main.js');
const TRAIN = path.join(SHARED_DIR, 'data', 'synthea-r4-615');
const TEST = path.join(SHARED_DIR, 'data', 'synthea-bulk-10');
const PLOTS = ['methods', 'calibration', 'sweep', 'counts', 'drugs-frequent', 'drugs-worst', 'subgroups'];

interface EvalJson {
  visits: number;
  results: { method: string; jaccard: number; f1: number; prauc: number; avg_predicted: number; avg_truth: number }[];
}

let dir: string;
let report: ValidationReport;
let html: string;
let evalJson: EvalJson;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'lamo-report-'));
  const { stdout } = await run(
    process.execPath,
    [BIN, 'eval', '--train-data', TRAIN, '--data', TEST, '--model', DEFAULT_MODEL_DIR, '--json', '--report', dir, '--bootstrap', '200', '--seed', '7'],
    { cwd: PROJECT_ROOT, maxBuffer: 64 * 1024 * 1024 },
  );
  evalJson = JSON.parse(stdout) as EvalJson;
  report = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8')) as ValidationReport;
  html = readFileSync(path.join(dir, 'index.html'), 'utf8');
}, 900_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every {"value", "ci"} object anywhere in the report, with where it is. */
function estimates(node: unknown, where = '$'): [string, Estimate][] {
  if (Array.isArray(node)) return node.flatMap((item, i) => estimates(item, `${where}[${i}]`));
  if (!node || typeof node !== 'object') return [];
  const record = node as Record<string, unknown>;
  const own: [string, Estimate][] = 'value' in record && 'ci' in record ? [[where, record as unknown as Estimate]] : [];
  return [...own, ...Object.entries(record).flatMap(([key, value]) => estimates(value, `${where}.${key}`))];
}

describe('eval --report (external: trained on synthea-r4-615, tested on synthea-bulk-10)', () => {
  it('writes every estimate as {value, ci} with the point estimate inside its interval', () => {
    const all = estimates(report);
    expect(all.length).toBeGreaterThan(100);
    for (const [where, e] of all) {
      expect({ where, ok: e.ci.length === 2 && e.ci[0] <= e.value + 1e-9 && e.value <= e.ci[1] + 1e-9 }).toEqual({ where, ok: true });
    }
    for (const m of report.overall.methods) for (const key of ['jaccard', 'f1', 'prauc', 'predTrueRatio'] as const) expect(m[key].ci).toHaveLength(2);
  });

  it('agrees with the eval table and compares every method with the best baseline', () => {
    expect(report.visits).toBe(evalJson.visits);
    for (const row of evalJson.results) {
      const m = report.overall.methods.find((s) => s.method === row.method);
      expect(m?.jaccard.value).toBeCloseTo(row.jaccard, 5);
      expect(m?.f1.value).toBeCloseTo(row.f1, 5);
      expect(m?.prauc.value).toBeCloseTo(row.prauc, 5);
      expect(m?.predTrueRatio.value).toBeCloseTo(row.avg_predicted / row.avg_truth, 5);
    }
    const baselines = evalJson.results.filter((r) => r.method !== 'lamo');
    const best = baselines.reduce((a, b) => (b.jaccard > a.jaccard ? b : a));
    expect(report.overall.bestBaseline).toBe(best.method);
    const lamo = report.overall.differences.find((d) => d.method === 'lamo');
    expect(lamo?.beats).toBe((lamo?.jaccard.ci[0] ?? 0) > 0);
    expect(report.populations.map((p) => p.name)).toEqual(['synthea-bulk-10']);
  });

  it('calibration bins sum to the scored (visit, candidate) pairs; per-drug supports sum to the label count', () => {
    // lamo scores each visit's candidates (the vocabulary and the patient's earlier drugs) that the model lists:
    // every listed candidate of the vocabulary, and a listed one outside it (2.0.0: epoetin alfa) where the history has it.
    const manifest = JSON.parse(readFileSync(path.join(DEFAULT_MODEL_DIR, 'lamo.json'), 'utf8')) as { candidates: { name: string }[] };
    const vocabulary = new Set(loadVocabulary().candidates.map((c) => c.name));
    const listed = manifest.candidates.length;
    const alwaysScored = manifest.candidates.filter((c) => vocabulary.has(c.name)).length;
    const lamo = report.calibration.find((c) => c.method === 'lamo');
    expect(lamo?.bins.reduce((s, b) => s + b.count, 0)).toBe(lamo?.pairs);
    expect(lamo?.pairs).toBeGreaterThanOrEqual(report.visits * alwaysScored);
    expect(lamo?.pairs).toBeLessThanOrEqual(report.visits * listed);
    const labels = Math.round(evalJson.results[0].avg_truth * evalJson.visits);
    for (const d of report.perDrug) {
      expect(d.labels).toBe(labels);
      expect(d.drugs.reduce((s, x) => s + x.support, 0)).toBe(labels);
    }
  });

  it('records provenance: data sets with counts and hashes, the model, seed, resamples and the leakage line', () => {
    const p = report.provenance;
    expect(p.seed).toBe(7);
    expect(p.bootstrapResamples).toBe(200);
    expect(p.split).toBe('external');
    expect(p.commandLine).toMatch(/eval --train-data .* --report /);
    expect(p.datasets.map((d) => [d.role, path.basename(d.path), d.patients])).toEqual([
      ['train', 'synthea-r4-615', 615],
      ['test', 'synthea-bulk-10', report.patients],
    ]);
    for (const d of p.datasets) expect(d.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(p.model?.id).toBeTruthy();
    expect(p.leakage).toMatchObject({ checked: true, overlap: 0 });
  });

  it('renders one SVG with data marks and a caption per plot, and nothing that loads from outside', () => {
    const figures = [...html.matchAll(/<figure id="([^"]+)" class="plot">([\s\S]*?)<\/figure>/g)];
    expect(figures.map((f) => f[1])).toEqual(PLOTS);
    for (const [, id, body] of figures) {
      expect({ id, svgs: body.match(/<svg/g)?.length }).toEqual({ id, svgs: 1 });
      // Vega draws data as role-mark groups holding paths or texts; axes and legends are other roles.
      expect({ id, marks: /class="mark-(symbol|rect|line|rule) role-mark[^"]*"[^>]*>\s*<(path|line)/.test(body) }).toEqual({ id, marks: true });
      const caption = body.match(/<figcaption>([^<]+)<\/figcaption>/)?.[1] ?? '';
      expect({ id, caption: caption.length > 20 }).toEqual({ id, caption: true });
    }
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
    // The only URLs are XML namespace names inside the SVGs, which are never fetched.
    const urls = [...html.matchAll(/https?:\/\/[^\s"'<>)]+/g)].map((m) => m[0]);
    expect(urls.filter((u) => !/^http:\/\/www\.w3\.org\/(2000\/svg|1999\/xlink)$/.test(u))).toEqual([]);
    expect(html).toMatch(/Content-Security-Policy" content="default-src 'none'/);
  });
});

describe('eval --report options', () => {
  it('refuses --bootstrap without --report, and too few resamples', async () => {
    for (const args of [['--bootstrap', '500'], ['--report', dir, '--bootstrap', '10'], ['--report', dir, '--seed', '-1']]) {
      const failure = await run(process.execPath, [BIN, 'eval', '--data', TEST, ...args], { cwd: PROJECT_ROOT }).then(
        () => ({ code: 0, stderr: '' }),
        (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
      );
      expect(failure.code).toBe(2);
      expect(failure.stderr).toMatch(/--bootstrap|--seed/);
    }
  });
});
