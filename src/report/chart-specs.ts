/**
 * The report's charts as plain functions: data → Vega-Lite spec. No Node API and no rendering here, so the
 * browser (the SMART app) can build its charts with the same functions and the same library; `charts.ts`
 * renders these specs to SVG in Node.
 */
// Deep path: the package's types sit behind `exports`, which moduleResolution node10 does not read.
import type { TopLevelSpec } from 'vega-lite/build/index';
import type { Calibration, CountDistribution, DrugStats, MethodSummary, Subgroup, ThresholdSweep } from './types';

const WIDTH = 520;
const BASE = {
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  background: 'white',
  config: { font: 'sans-serif', axis: { labelFontSize: 11, titleFontSize: 12 }, legend: { labelFontSize: 11 } },
} as const;

export function calibrationSpec(calibration: Calibration): TopLevelSpec {
  const bins = calibration.bins
    .filter((b) => b.count > 0)
    .map((b) => ({ predicted: b.meanPredicted, observed: b.observed.value, low: b.observed.ci[0], high: b.observed.ci[1], count: b.count, label: `n=${b.count}` }));
  const axis = { scale: { domain: [0, 1] } };
  return {
    ...BASE,
    title: `Calibration of P(yes): ${calibration.method}`,
    width: WIDTH,
    height: WIDTH * 0.7,
    layer: [
      {
        data: { values: [{ x: 0, y: 0 }, { x: 1, y: 1 }] },
        mark: { type: 'line', color: '#999', strokeDash: [4, 4] },
        encoding: { x: { field: 'x', type: 'quantitative', ...axis }, y: { field: 'y', type: 'quantitative', ...axis } },
      },
      {
        data: { values: bins },
        layer: [
          {
            mark: { type: 'rule', color: '#1f77b4' },
            encoding: {
              x: { field: 'predicted', type: 'quantitative', title: 'mean predicted P(yes) in bin', ...axis },
              y: { field: 'low', type: 'quantitative', title: 'observed rate of orders (95% CI)', ...axis },
              y2: { field: 'high' },
            },
          },
          {
            mark: { type: 'point', filled: true, color: '#1f77b4' },
            encoding: {
              x: { field: 'predicted', type: 'quantitative' },
              y: { field: 'observed', type: 'quantitative' },
              size: { field: 'count', type: 'quantitative', title: 'pairs in bin', scale: { type: 'sqrt' } },
            },
          },
          {
            mark: { type: 'text', dx: 6, dy: -8, align: 'left', fontSize: 10 },
            encoding: { x: { field: 'predicted', type: 'quantitative' }, y: { field: 'observed', type: 'quantitative' }, text: { field: 'label' } },
          },
        ],
      },
    ],
  };
}

export function sweepSpec(sweep: ThresholdSweep): TopLevelSpec {
  const xTitle = sweep.axis === 'shift' ? 'shift added to every candidate’s own threshold' : 'threshold on P(yes)';
  const long = sweep.points.flatMap((p) => [
    { x: p.threshold, metric: 'Jaccard', value: p.jaccard },
    { x: p.threshold, metric: 'F1', value: p.f1 },
  ]);
  const chosen = { values: [{ x: sweep.chosen }] };
  const rule = { data: chosen, mark: { type: 'rule', color: '#d62728', strokeWidth: 2 }, encoding: { x: { field: 'x', type: 'quantitative' } } } as const;
  return {
    ...BASE,
    title: `Threshold sweep: ${sweep.method} (red: the threshold in use)`,
    vconcat: [
      {
        width: WIDTH,
        height: 200,
        layer: [
          {
            data: { values: long },
            mark: { type: 'line', point: true },
            encoding: {
              x: { field: 'x', type: 'quantitative', title: xTitle },
              y: { field: 'value', type: 'quantitative', title: 'Jaccard, F1', scale: { domain: [0, 1] } },
              color: { field: 'metric', type: 'nominal', title: null },
            },
          },
          rule,
        ],
      },
      {
        width: WIDTH,
        height: 160,
        layer: [
          {
            data: { values: sweep.points.map((p) => ({ x: p.threshold, ratio: p.predTrueRatio })) },
            mark: { type: 'line', point: true, color: '#2ca02c' },
            encoding: {
              x: { field: 'x', type: 'quantitative', title: xTitle },
              y: { field: 'ratio', type: 'quantitative', title: '#pred / #true', scale: { type: 'symlog' } },
            },
          },
          { data: { values: [{ y: 1 }] }, mark: { type: 'rule', color: '#999', strokeDash: [4, 4] }, encoding: { y: { field: 'y', type: 'quantitative' } } },
          rule,
        ],
      },
    ],
  };
}

export function countsSpec(counts: CountDistribution): TopLevelSpec {
  return {
    ...BASE,
    title: 'Drugs per visit: predicted by each method and true (10 = 10 or more)',
    width: WIDTH,
    height: 240,
    data: { values: counts.series },
    mark: 'bar',
    encoding: {
      x: { field: 'count', type: 'ordinal', title: 'drugs in the visit', axis: { labelAngle: 0 } },
      xOffset: { field: 'method', type: 'nominal' },
      y: { field: 'visits', type: 'quantitative', title: 'visits' },
      color: { field: 'method', type: 'nominal', title: 'method', scale: { scheme: 'category10' } },
    },
  };
}

export function perDrugSpec(title: string, drugs: DrugStats[]): TopLevelSpec {
  const label = (d: DrugStats) => `${d.drug} (n=${d.support})`;
  const order = drugs.map(label);
  const values = drugs.flatMap((d) => [
    { drug: label(d), metric: 'precision', value: d.precision },
    { drug: label(d), metric: 'recall', value: d.recall },
  ]);
  return {
    ...BASE,
    title,
    width: WIDTH - 120,
    height: Math.max(60, drugs.length * 16),
    data: { values },
    mark: { type: 'point', filled: true, size: 60 },
    encoding: {
      y: { field: 'drug', type: 'nominal', sort: order, title: null, axis: { labelLimit: 260 } },
      x: { field: 'value', type: 'quantitative', scale: { domain: [0, 1] }, title: 'precision / recall' },
      color: { field: 'metric', type: 'nominal', title: null, scale: { domain: ['precision', 'recall'], range: ['#1f77b4', '#ff7f0e'] } },
      shape: { field: 'metric', type: 'nominal', title: null },
    },
  };
}

interface IntervalRow {
  label: string;
  value: number;
  low: number;
  high: number;
}

function forestSpec(title: string, rows: IntervalRow[], reference: number | undefined, xTitle: string): TopLevelSpec {
  const order = rows.map((r) => r.label);
  const y = { field: 'label', type: 'nominal', sort: order, title: null, axis: { labelLimit: 320 } } as const;
  return {
    ...BASE,
    title,
    width: WIDTH - 120,
    height: Math.max(60, rows.length * 20),
    layer: [
      ...(reference === undefined
        ? []
        : [{ data: { values: [{ x: reference }] }, mark: { type: 'rule', color: '#999', strokeDash: [4, 4] }, encoding: { x: { field: 'x', type: 'quantitative' } } } as const]),
      { data: { values: rows }, mark: { type: 'rule', color: '#1f77b4' }, encoding: { y, x: { field: 'low', type: 'quantitative', title: xTitle }, x2: { field: 'high' } } },
      { data: { values: rows }, mark: { type: 'point', filled: true, color: '#1f77b4', size: 50 }, encoding: { y, x: { field: 'value', type: 'quantitative' } } },
    ],
  } as TopLevelSpec;
}

/** Jaccard with its interval for each method (one population or the whole). */
export function methodsSpec(title: string, methods: MethodSummary[]): TopLevelSpec {
  const rows = methods.map((m) => ({ label: m.method, value: m.jaccard.value, low: m.jaccard.ci[0], high: m.jaccard.ci[1] }));
  return forestSpec(title, rows, undefined, 'Jaccard (95% CI, bootstrap over patients)');
}

/** Jaccard with its interval for one method in every subgroup; the dashed line is the whole test set. */
export function subgroupSpec(method: string, groups: Subgroup[], overall: number): TopLevelSpec {
  const rows = groups.flatMap((g) => {
    const m = g.methods.find((s) => s.method === method);
    return m ? [{ label: `${g.dimension}: ${g.name} (${g.visits} visits)`, value: m.jaccard.value, low: m.jaccard.ci[0], high: m.jaccard.ci[1] }] : [];
  });
  return forestSpec(`Subgroups: ${method} Jaccard (dashed: whole test set)`, rows, overall, 'Jaccard (95% CI)');
}
