/** MODEL_CARD.md's number tables and the runs' index page, generated from committed report.json files
 * (`npm run report:model-card`; a test fails when the card drifts from the reports). */
import { escapeHtml } from './html';
import type { Estimate, PopulationSummary, ValidationReport } from './types';

export const CARD_BEGIN = '<!-- BEGIN GENERATED: validation report tables (npm run report:model-card); edit the reports, not this block -->';
export const CARD_END = '<!-- END GENERATED: validation report tables -->';

export interface NamedReport {
  /** Folder name under model/reports/. */
  name: string;
  report: ValidationReport;
}

const f = (x: number, digits = 3) => x.toFixed(digits);
const est = (e: Estimate, digits = 3) => `${f(e.value, digits)} [${f(e.ci[0], digits)}, ${f(e.ci[1], digits)}]`;

function populationTable(population: PopulationSummary): string[] {
  const diff = new Map(population.differences.map((d) => [d.method, d]));
  return [
    `| method | Jaccard | F1 | PRAUC | #pred/#true | Δ Jaccard vs ${population.bestBaseline} | claim |`,
    '|---|---|---|---|---|---|---|',
    ...population.methods.map((m) => {
      const d = diff.get(m.method);
      const claim = !d ? 'best baseline' : d.beats ? '**beats**' : d.worse ? 'worse' : 'not shown';
      return `| ${m.method} | ${est(m.jaccard)} | ${est(m.f1)} | ${est(m.prauc)} | ${est(m.predTrueRatio, 2)} | ${d ? est(d.jaccard) : '—'} | ${claim} |`;
    }),
  ];
}

/** The generated block, markers included. */
export function modelCardTables(reports: NamedReport[]): string {
  const lines = [CARD_BEGIN, ''];
  for (const { name, report } of reports) {
    const p = report.provenance;
    const test = p.datasets.filter((d) => d.role === 'test').map((d) => d.path).join(', ');
    const model = p.model ? `${p.model.id} ${p.model.version}` : 'no model';
    lines.push(
      `**${name}** — ${p.split} split, ${report.visits} test visits of ${report.patients} patients (${test}); ${model}; ` +
        `95% bootstrap intervals over patients (${p.bootstrapResamples} resamples, seed ${p.seed}). ` +
        `Report: [model/reports/${name}/index.html](reports/${name}/index.html). Leakage: ${p.leakage.text}`,
      '',
    );
    const populations = report.populations.length > 1 ? [report.overall, ...report.populations] : [report.overall];
    for (const population of populations) {
      if (populations.length > 1) lines.push(`*${population.name}* (${population.visits} visits)`, '');
      lines.push(...populationTable(population), '');
    }
    // By regime, the whole test set only (reports written before regimes existed have none).
    for (const regime of (report.regimes ?? []).filter((r) => r.population === 'all')) {
      lines.push(`*${regime.description}* (${regime.visits} visits)`, '', ...populationTable(regime), '');
    }
    const calibration = report.calibration.find((c) => c.method === report.primaryMethod);
    if (calibration) lines.push(`Calibration: ${calibration.reading}`, '');
    const warnings = report.warnings.filter((w) => w.method === report.primaryMethod);
    lines.push(`Subgroup warnings (${report.primaryMethod}): ${warnings.length ? warnings.map((w) => w.text).join(' ') : 'none.'}`, '');
  }
  lines.push(`Regenerate: \`npx lamo-cds eval … --report model/reports/<run>\` (each report's command line is in its provenance), then \`npm run report:model-card\`.`, '', CARD_END);
  return lines.join('\n');
}

/** `card` with its generated block replaced (or appended when the card has none yet). */
export function replaceGenerated(card: string, block: string): string {
  const begin = card.indexOf(CARD_BEGIN);
  const end = card.indexOf(CARD_END);
  if (begin < 0 || end < begin) return `${card.trimEnd()}\n\n## Validation reports (generated)\n\n${block}\n`;
  return card.slice(0, begin) + block + card.slice(end + CARD_END.length);
}

/** model/reports/index.html: one line per run with its headline numbers, links to each report. */
export function runsIndexHtml(reports: NamedReport[]): string {
  const rows = reports.map(({ name, report }) => {
    const primary = report.overall.methods.find((m) => m.method === report.primaryMethod);
    const d = report.overall.differences.find((x) => x.method === report.primaryMethod);
    const cell = (e: Estimate | undefined, digits = 3) => (e ? `${f(e.value, digits)} [${f(e.ci[0], digits)}, ${f(e.ci[1], digits)}]` : '—');
    return (
      `<tr><td><a href="${encodeURIComponent(name)}/index.html">${escapeHtml(name)}</a></td><td>${escapeHtml(report.provenance.split)}</td>` +
      `<td>${report.visits}</td><td>${escapeHtml(report.primaryMethod)}</td><td>${cell(primary?.jaccard)}</td><td>${cell(primary?.predTrueRatio, 2)}</td>` +
      `<td>${d ? `${cell(d.jaccard)} vs ${escapeHtml(d.baseline)}${d.beats ? ' (beats)' : ''}` : '—'}</td><td>${escapeHtml(report.provenance.leakage.text)}</td></tr>`
    );
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>LAMO validation reports</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<style>body{font-family:sans-serif;max-width:1100px;margin:1.5em auto;padding:0 1em}table{border-collapse:collapse;font-size:13px}th,td{border:1px solid #ccc;padding:3px 6px;text-align:left}</style>
</head><body><h1>LAMO validation reports</h1>
<table><tr><th>run</th><th>split</th><th>test visits</th><th>method</th><th>Jaccard</th><th>#pred/#true</th><th>Δ Jaccard vs best baseline</th><th>leakage</th></tr>
${rows.join('\n')}
</table></body></html>
`;
}
