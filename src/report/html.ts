/** The report as one self-contained HTML page: inline CSS and inline SVG, no script, no external request. */
import { calibrationSpec, countsSpec, methodsSpec, perDrugSpec, subgroupSpec, sweepSpec } from './chart-specs';
import { renderSvg } from './charts';
import type { DrugStats, Estimate, PopulationSummary, RegimeSummary, ValidationReport } from './types';
import type { TopLevelSpec } from 'vega-lite/build/index';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

const fmt = (x: number, digits = 3) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
const est = (e: Estimate, digits = 3) => `${fmt(e.value, digits)} <span class="ci">[${fmt(e.ci[0], digits)}, ${fmt(e.ci[1], digits)}]</span>`;

interface Figure {
  id: string;
  spec: TopLevelSpec;
  caption: string;
}

function figures(report: ValidationReport): Figure[] {
  const primary = report.primaryMethod;
  const out: Figure[] = [];
  const overallJaccard = report.overall.methods.find((m) => m.method === primary)?.jaccard.value;
  const best = report.overall.differences.find((d) => d.method === primary);
  out.push({
    id: 'methods',
    spec: methodsSpec('Jaccard by method, whole test set', report.overall.methods),
    caption: best
      ? `${primary} − ${best.baseline} (best baseline): Jaccard ${fmt(best.jaccard.value)} [${fmt(best.jaccard.ci[0])}, ${fmt(best.jaccard.ci[1])}]; ` +
        (best.beats ? `${primary} beats it (interval above zero).` : best.worse ? `${primary} is worse (interval below zero).` : 'no difference shown (interval includes zero).')
      : `${report.overall.bestBaseline} is the best baseline; no other method to compare.`,
  });
  const cal = report.calibration.find((c) => c.method === primary) ?? report.calibration[0];
  if (cal) out.push({ id: 'calibration', spec: calibrationSpec(cal), caption: cal.reading });
  const sweep = report.sweep.find((s) => s.method === primary) ?? report.sweep[0];
  if (sweep) out.push({ id: 'sweep', spec: sweepSpec(sweep), caption: sweep.reading });
  out.push({ id: 'counts', spec: countsSpec(report.counts), caption: report.counts.reading });
  const drugs = report.perDrug.find((d) => d.method === primary) ?? report.perDrug[0];
  const byName = new Map(drugs.drugs.map((d) => [d.drug, d]));
  const pick = (names: string[]) => names.map((n) => byName.get(n) as DrugStats);
  out.push({ id: 'drugs-frequent', spec: perDrugSpec(`${drugs.method}: the ${drugs.mostFrequent.length} most frequent drugs`, pick(drugs.mostFrequent)), caption: drugs.readingFrequent });
  if (drugs.worst.length) {
    out.push({ id: 'drugs-worst', spec: perDrugSpec(`${drugs.method}: the ${drugs.worst.length} worst drugs with ≥ 20 visits (by F1)`, pick(drugs.worst)), caption: drugs.readingWorst });
  }
  if (overallJaccard !== undefined && report.subgroups.length) {
    const warnings = report.warnings.filter((w) => w.method === primary);
    out.push({
      id: 'subgroups',
      spec: subgroupSpec(primary, report.subgroups, overallJaccard),
      caption: warnings.length ? `${warnings.length} subgroup(s) of ≥ 30 visits more than 0.05 Jaccard below the whole: see the warnings.` : `No subgroup of ≥ 30 visits is more than 0.05 Jaccard below the whole (${fmt(overallJaccard)}).`,
    });
  }
  return out;
}

function provenanceHtml(report: ValidationReport): string {
  const p = report.provenance;
  const rows: [string, string][] = [
    ['date', p.date],
    ['command', `<code>${escapeHtml(p.commandLine)}</code>`],
    ['split', escapeHtml(p.split)],
    ['bootstrap', `${p.bootstrapResamples} resamples over patients, seed ${p.seed}; intervals are 95% percentile intervals`],
    ...p.datasets.map((d): [string, string] => [
      `${d.role} data`,
      `<code>${escapeHtml(d.path)}</code>: ${d.patients} patients, ${d.visits} visits with orders, ${d.files} files, sha256 <code>${d.sha256.slice(0, 16)}…</code>`,
    ]),
    [
      'model',
      p.model
        ? `${escapeHtml(p.model.id)} ${escapeHtml(p.model.version)}, trained on ${escapeHtml(p.model.trainedOn ?? 'unrecorded data')} (${escapeHtml(p.model.trainingSplit ?? 'split unrecorded')})${p.model.trainedAt ? `, ${escapeHtml(p.model.trainedAt)}` : ''}`
        : 'none (baselines only)',
    ],
    ['leakage', `<span class="${p.leakage.overlap ? 'warn' : ''}">${escapeHtml(p.leakage.text)}</span>`],
    ['charts', escapeHtml(p.tool.charts)],
  ];
  return `<table class="prov">${rows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('')}</table>`;
}

function populationHtml(population: PopulationSummary, heading = population.name): string {
  const diff = new Map(population.differences.map((d) => [d.method, d]));
  const rows = population.methods.map((m) => {
    const d = diff.get(m.method);
    const verdict = !d ? 'best baseline' : d.beats ? '<b>beats</b>' : d.worse ? 'worse' : 'not shown';
    return (
      `<tr><td>${escapeHtml(m.method)}</td><td>${est(m.jaccard)}</td><td>${est(m.f1)}</td><td>${est(m.prauc)}</td>` +
      `<td>${est(m.predTrueRatio, 2)}</td><td>${fmt(m.precision)}</td><td>${fmt(m.recall)}</td>` +
      `<td>${d ? est(d.jaccard) : '—'}</td><td>${verdict}</td></tr>`
    );
  });
  return (
    `<h3>${escapeHtml(heading)}: ${population.visits} visits, ${population.patients} patients</h3>` +
    `<table><tr><th>method</th><th>Jaccard</th><th>F1</th><th>PRAUC</th><th>#pred/#true</th><th>precision</th><th>recall</th>` +
    `<th>Δ Jaccard vs ${escapeHtml(population.bestBaseline)}</th><th>claim</th></tr>${rows.join('')}</table>`
  );
}

/** Every method in every regime: whether a method handles renewals and new starts, not only the mix. */
function regimesHtml(regimes: RegimeSummary[]): string {
  if (regimes.length === 0) return '<p>Not available: this report was written before regimes were recorded.</p>';
  return regimes.map((r) => populationHtml(r, `${r.population === 'all' ? 'all populations' : r.population} — ${r.description}`)).join('\n');
}

function subgroupHtml(report: ValidationReport): string {
  const primary = report.primaryMethod;
  const rows = report.subgroups.map((g) => {
    const m = g.methods.find((s) => s.method === primary);
    return m
      ? `<tr><td>${g.dimension}</td><td>${escapeHtml(g.name)}</td><td>${g.visits}</td><td>${g.patients}</td><td>${est(m.jaccard)}</td><td>${est(m.f1)}</td><td>${est(m.prauc)}</td><td>${est(m.predTrueRatio, 2)}</td></tr>`
      : '';
  });
  const warnings = report.warnings.map((w) => `<li class="warn">${escapeHtml(w.text)}</li>`).join('');
  return (
    `<table><tr><th>by</th><th>subgroup</th><th>visits</th><th>patients</th><th>Jaccard</th><th>F1</th><th>PRAUC</th><th>#pred/#true</th></tr>${rows.join('')}</table>` +
    `<p>Warnings (subgroups of ≥ 30 visits more than 0.05 Jaccard below the whole, every method):</p>` +
    (warnings ? `<ul>${warnings}</ul>` : '<p>none.</p>')
  );
}

const STYLE = `body{font-family:sans-serif;max-width:1100px;margin:1.5em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1em;font-size:13px}th,td{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}
.ci{color:#666;font-size:11px}.warn{color:#a40000}figure{margin:1.5em 0}figcaption{font-size:14px;margin-top:.3em}
table.prov th{width:9em;background:#f4f4f4}code{font-size:12px;word-break:break-all}`;

export async function renderHtml(report: ValidationReport): Promise<string> {
  const figs = figures(report);
  const svgs = await Promise.all(figs.map((f) => renderSvg(f.spec)));
  const figureHtml = figs
    .map((f, i) => `<figure id="${f.id}" class="plot">${svgs[i]}<figcaption>${escapeHtml(f.caption)}</figcaption></figure>`)
    .join('\n');
  const p = report.provenance;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(p.title)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<style>${STYLE}</style></head><body>
<h1>${escapeHtml(p.title)}</h1>
<h2>Provenance</h2>${provenanceHtml(report)}
<h2>Results with 95% confidence intervals</h2>
<p>Bootstrap over patients. The best baseline is the best of the five baselines (frequency, carry-forward, logistic, logistic-prompt, history) by Jaccard, in each table; “beats” only where the paired difference to it has an interval above zero. Every number, and every drug, is in <code>report.json</code>.</p>
${[report.overall, ...(report.populations.length > 1 ? report.populations : [])].map((p) => populationHtml(p)).join('\n')}
<h2>By regime</h2>
<p>The regime is the patient's renewal history before the visit: of each earlier pair of consecutive visits with orders, the share of the first visit's drugs ordered again at the second, averaged (from dates, never from order statuses). Populations differ in their mix of regimes; a method that only learned the mix fails in the regime it rarely saw.</p>
${regimesHtml(report.regimes ?? [])}
<h2>Plots</h2>
${figureHtml}
<h2>Subgroups (${escapeHtml(report.primaryMethod)})</h2>
${subgroupHtml(report)}
</body></html>
`;
}
