/**
 * The ranked-candidates chart: Vega-Lite, the charting library of the validation report (src/report), compiled
 * and drawn by vega in the browser from the bundle (no CDN). Expressions run through vega-interpreter, so the
 * page needs no 'unsafe-eval' in its Content-Security-Policy.
 */
import embed from 'vega-embed';
import { expressionInterpreter } from 'vega-interpreter';
import type { TopLevelSpec } from 'vega-lite';
import type { CandidateView } from '../../src/cds/app-wire';

export const GROUPS = ['Recommended', 'Not recommended', 'Being ordered', 'Active medication'] as const;
const COLOURS = ['#0b5cad', '#9aa5b1', '#b35c00', '#2f7d32'];

function group(c: CandidateView): (typeof GROUPS)[number] {
  if (c.status === 'draft') return 'Being ordered';
  if (c.status === 'active') return 'Active medication';
  return c.recommended ? 'Recommended' : 'Not recommended';
}

/** Probability bars, most probable first, with each candidate's recommendation threshold as a tick. */
export function candidateChartSpec(candidates: readonly CandidateView[]): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    description: `Every candidate drug ranked by the LAMO model (${candidates.length}): bars show P(yes), black ticks each candidate's recommendation threshold. The table below lists the same values.`,
    width: 'container',
    height: { step: 13 },
    autosize: { type: 'fit-x', contains: 'padding' },
    data: {
      values: candidates.map((c, i) => ({ rank: i + 1, drug: c.candidate, p: c.probability, threshold: c.threshold, group: group(c) })),
    },
    encoding: {
      // An explicit order: a layered chart drops a sort by field when it unions the layers' domains.
      y: { field: 'drug', type: 'nominal', sort: candidates.map((c) => c.candidate), title: null, axis: { labelLimit: 230, labelFontSize: 11 } },
    },
    layer: [
      {
        mark: { type: 'bar', tooltip: true },
        encoding: {
          x: { field: 'p', type: 'quantitative', title: 'Model P(yes)', scale: { domain: [0, 1] }, axis: { format: '%', orient: 'top' } },
          color: { field: 'group', type: 'nominal', title: null, scale: { domain: [...GROUPS], range: COLOURS }, legend: { orient: 'top' } },
        },
      },
      {
        mark: { type: 'tick', color: '#1b1f23', thickness: 2, size: 11 },
        encoding: { x: { field: 'threshold', type: 'quantitative' } },
      },
    ],
  };
}

export async function drawChart(container: HTMLElement, candidates: readonly CandidateView[]): Promise<void> {
  await embed(container, candidateChartSpec(candidates), { actions: false, renderer: 'svg', ast: true, expr: expressionInterpreter });
}
