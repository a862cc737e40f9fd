/** The whole report from synthetic outcomes of two populations: fast, no data set, no model. */
import { buildReport, reportJson } from '../../src/report/build';
import { renderHtml } from '../../src/report/html';
import { modelCardTables } from '../../src/report/model-card';
import type { MethodOutcomes, Provenance, VisitOutcome } from '../../src/report/types';
import { method, visit } from './helpers';

const provenance: Provenance = {
  title: 'test <report>',
  date: '2026-01-01T00:00:00Z',
  commandLine: 'lamo-cds eval --data a --data b --report out',
  split: 'internal',
  seed: 1,
  bootstrapResamples: 200,
  datasets: [],
  leakage: { checked: true, overlap: 0, text: '0 of 120 test encounters.' },
  tool: { name: 't', version: '0', charts: 'vega' },
};

/** Population A: lamo right everywhere, logistic right on even patients. Population B: both right on even patients. */
function outcomes(): MethodOutcomes[] {
  const lamo: VisitOutcome[] = [];
  const logistic: VisitOutcome[] = [];
  const carry: VisitOutcome[] = [];
  for (let p = 0; p < 60; p++) {
    const population = p < 40 ? 'A' : 'B';
    for (let v = 0; v < 2; v++) {
      const extra = { population, age: 20 + p, sex: p % 3 ? 'female' : 'male' };
      const right = p % 2 === 0;
      const lamoRight = population === 'A' || right;
      lamo.push(visit(`p${p}`, `e${p}-${v}`, ['a'], lamoRight ? ['a'] : ['b'], { a: lamoRight ? 0.9 : 0.2, b: lamoRight ? 0.1 : 0.7, c: 0.05 }, extra));
      logistic.push(visit(`p${p}`, `e${p}-${v}`, ['a'], right ? ['a'] : ['b'], { a: right ? 0.8 : 0.3, b: right ? 0.2 : 0.6 }, extra));
      carry.push(visit(`p${p}`, `e${p}-${v}`, ['a'], [], {}, extra));
    }
  }
  return [
    method('carry-forward', carry),
    method('logistic', logistic, { probabilistic: true, threshold: () => 0.5 }),
    method('lamo', lamo, { probabilistic: true, threshold: () => 0.5 }),
  ];
}

describe('buildReport', () => {
  const report = buildReport({ methods: outcomes(), provenance, bootstrap: { resamples: 200, seed: 5 } });

  it('summarises the whole test set and each population, with the best baseline per population', () => {
    expect(report.primaryMethod).toBe('lamo');
    expect(report.visits).toBe(120);
    expect(report.patients).toBe(60);
    expect(report.populations.map((p) => [p.name, p.visits, p.patients, p.bestBaseline])).toEqual([
      ['A', 80, 40, 'logistic'],
      ['B', 40, 20, 'logistic'],
    ]);
    const a = report.populations[0].differences.find((d) => d.method === 'lamo');
    expect(a?.jaccard.value).toBeCloseTo(0.5, 10);
    expect(a?.beats).toBe(true);
    // In B lamo and logistic make the same calls: no claim.
    const b = report.populations[1].differences.find((d) => d.method === 'lamo');
    expect(b?.jaccard).toEqual({ value: 0, ci: [0, 0] });
    expect(b?.beats).toBe(false);
  });

  it('has calibration and a sweep for probabilistic methods only, and every drug for every method', () => {
    expect(report.calibration.map((c) => [c.method, c.pairs])).toEqual([
      ['logistic', 240],
      ['lamo', 360],
    ]);
    expect(report.sweep.map((s) => s.method)).toEqual(['logistic', 'lamo']);
    expect(report.perDrug.map((d) => [d.method, d.labels])).toEqual([
      ['carry-forward', 120],
      ['logistic', 120],
      ['lamo', 120],
    ]);
    expect(report.subgroups.filter((g) => g.dimension === 'population').map((g) => g.name)).toEqual(['A', 'B']);
    expect(report.warnings.some((w) => w.method === 'lamo' && w.name === 'B')).toBe(true);
  });

  it('writes no per-visit data into report.json', () => {
    const json = reportJson(report);
    expect(json).not.toMatch(/"e\d+-\d"|"p\d+"/);
    expect(JSON.parse(json).overall.methods).toHaveLength(3);
  });

  it('refuses methods evaluated on different visits', () => {
    const [first, second] = outcomes();
    expect(() => buildReport({ methods: [first, { ...second, visits: second.visits.slice(1) }], provenance, bootstrap: { resamples: 100, seed: 1 } })).toThrow(/other visits/);
  });

  it('renders escaped text, the population tables and one captioned SVG per plot', async () => {
    const html = await renderHtml(report);
    expect(html).toContain('<title>test &lt;report&gt;</title>');
    expect(html).toMatch(/<h3>A: 80 visits, 40 patients<\/h3>/);
    expect(html).toMatch(/<h3>B: 40 visits, 20 patients<\/h3>/);
    const ids = [...html.matchAll(/<figure id="([^"]+)" class="plot"><svg[\s\S]*?<\/svg><figcaption>[^<]{20,}<\/figcaption><\/figure>/g)].map((m) => m[1]);
    // Drug "a" has 120 visits (≥ 20): the worst-drugs plot is drawn too.
    expect(ids).toEqual(['methods', 'calibration', 'sweep', 'counts', 'drugs-frequent', 'drugs-worst', 'subgroups']);
    expect(html).toMatch(/<li class="warn">lamo: population B/);
  });
});

describe('buildReport by regime', () => {
  /** Renewing visits: history renews (right), logistic-prompt does not; first visits: the reverse. */
  function regimeOutcomes(): MethodOutcomes[] {
    const history: VisitOutcome[] = [];
    const prompt: VisitOutcome[] = [];
    const lamo: VisitOutcome[] = [];
    for (let p = 0; p < 40; p++) {
      const regime = p % 2 ? 'renewing' : 'first-visit';
      const population = p < 30 ? 'A' : 'B';
      const extra = { population, regime };
      const renewing = regime === 'renewing';
      history.push(visit(`p${p}`, `e${p}`, ['a'], renewing ? ['a'] : [], {}, extra));
      prompt.push(visit(`p${p}`, `e${p}`, ['a'], renewing ? ['b'] : ['a'], {}, extra));
      lamo.push(visit(`p${p}`, `e${p}`, ['a'], ['a'], {}, extra));
    }
    return [method('logistic-prompt', prompt), method('history', history), method('lamo', lamo)];
  }
  const report = buildReport({ methods: regimeOutcomes(), provenance, bootstrap: { resamples: 200, seed: 2 } });

  it('summarises every method in each regime, whole test set first, then each population', () => {
    expect(report.regimes.map((r) => [r.population, r.regime, r.visits, r.bestBaseline])).toEqual([
      ['all', 'first-visit', 20, 'logistic-prompt'],
      ['all', 'renewing', 20, 'history'],
      ['A', 'first-visit', 15, 'logistic-prompt'],
      ['A', 'renewing', 15, 'history'],
      ['B', 'first-visit', 5, 'logistic-prompt'],
      ['B', 'renewing', 5, 'history'],
    ]);
    const renewing = report.regimes[1];
    expect(renewing.methods.map((m) => [m.method, m.jaccard.value])).toEqual([['logistic-prompt', 0], ['history', 1], ['lamo', 1]]);
    expect(renewing.description).toMatch(/renewal rate ≥ 0\.5/);
    // Pooled, the two new baselines tie (0.5 each): the first listed is the best baseline.
    expect(report.overall.bestBaseline).toBe('logistic-prompt');
  });

  it('renders a table per regime, and says so where a report predates regimes', async () => {
    const html = await renderHtml(report);
    expect(html).toContain('<h2>By regime</h2>');
    expect(html).toMatch(/<h3>all populations — renewing history \(renewal rate ≥ 0\.5\): 20 visits, 20 patients<\/h3>/);
    expect(html).toMatch(/<h3>B — first visit with orders[^<]*: 5 visits, 5 patients<\/h3>/);
    const old = await renderHtml({ ...report, regimes: undefined as unknown as typeof report.regimes });
    expect(old).toContain('written before regimes were recorded');
  });

  it('puts the whole test set\'s regime tables in the model card', () => {
    const card = modelCardTables([{ name: 'run', report }]);
    expect(card).toMatch(/\*renewing history \(renewal rate ≥ 0\.5\)\* \(20 visits\)\n\n\| method \| Jaccard \| F1 \| PRAUC \| #pred\/#true \| Δ Jaccard vs history \|/);
    expect(card).not.toMatch(/\*B\*.*renewing/);
  });

  it('has no regimes when the outcomes carry none', () => {
    expect(buildReport({ methods: outcomes(), provenance, bootstrap: { resamples: 100, seed: 1 } }).regimes).toEqual([]);
  });
});
