/** Per-visit outcomes of every method → the whole validation report (every number of report.json). */
import { bootstrapMethods, methodValues, pairedDifferences, type BootstrapOptions } from './bootstrap';
import { calibration } from './calibration';
import { countDistribution, perDrug } from './per-drug';
import { subgroups, subgroupWarnings } from './subgroups';
import { thresholdSweep } from './sweep';
import { REGIME_DESCRIPTIONS, REGIMES } from '../lamo/medication-history';
import type { MethodOutcomes, PopulationSummary, Provenance, RegimeSummary, ThresholdSweep, ValidationReport } from './types';

export interface ReportInput {
  methods: MethodOutcomes[];
  provenance: Provenance;
  bootstrap: BootstrapOptions;
}

function checkAligned(methods: MethodOutcomes[]): void {
  const [first, ...rest] = methods;
  for (const method of rest) {
    const aligned = method.visits.length === first.visits.length && method.visits.every((v, i) => v.encounterKey === first.visits[i].encounterKey);
    // Paired differences are only valid visit by visit.
    if (!aligned) throw new Error(`report: ${method.method} was evaluated on other visits than ${first.method}`);
  }
}

function populationSummary(name: string, input: ReportInput, values: number[][][], subset: number[]): PopulationSummary {
  const result = bootstrapMethods(input.methods, values, subset, input.bootstrap);
  const { bestBaseline, differences } = pairedDifferences(result);
  return { name, visits: subset.length, patients: result.summaries[0]?.patients ?? 0, methods: result.summaries, bestBaseline, differences };
}

/** Every regime with test visits, for the whole test set and then for each population when there are several. */
function regimeSummaries(input: ReportInput, values: number[][][], populationNames: string[]): RegimeSummary[] {
  const visits = input.methods[0].visits;
  if (!visits.some((v) => v.regime !== undefined)) return [];
  const scopes = ['all', ...(populationNames.length > 1 ? populationNames : [])];
  const out: RegimeSummary[] = [];
  for (const population of scopes) {
    for (const regime of REGIMES) {
      const subset = visits.map((_, i) => i).filter((i) => visits[i].regime === regime && (population === 'all' || visits[i].population === population));
      if (subset.length === 0) continue;
      out.push({ ...populationSummary(regime, input, values, subset), population, regime, description: REGIME_DESCRIPTIONS[regime] });
    }
  }
  return out;
}

export function buildReport(input: ReportInput): ValidationReport {
  const { methods } = input;
  if (methods.length === 0) throw new Error('report: no method was evaluated');
  checkAligned(methods);
  const visits = methods[0].visits;
  if (visits.length === 0) throw new Error('report: the test set has no visits');
  const values = methodValues(methods);
  const all = visits.map((_, i) => i);
  const overall = populationSummary('all', input, values, all);
  const populationNames = [...new Set(visits.map((v) => v.population))].sort();
  const populations = populationNames.map((name) =>
    populationSummary(name, input, values, all.filter((i) => visits[i].population === name)),
  );
  // "lamo", or its marked name when eval reports it on encounters the model was trained on.
  const primary = methods.find((m) => m.method.startsWith('lamo')) ?? methods.find((m) => m.method === overall.methods.reduce((a, b) => (b.jaccard.value > a.jaccard.value ? b : a)).method);
  const groups = subgroups(methods, values, input.bootstrap);
  return {
    provenance: input.provenance,
    primaryMethod: (primary as MethodOutcomes).method,
    visits: visits.length,
    patients: overall.patients,
    overall,
    populations,
    regimes: regimeSummaries(input, values, populationNames),
    calibration: methods.filter((m) => m.probabilistic).map(calibration),
    sweep: methods.map(thresholdSweep).filter((s): s is ThresholdSweep => s !== undefined),
    counts: countDistribution(methods),
    perDrug: methods.map(perDrug),
    subgroups: groups,
    warnings: subgroupWarnings(groups, overall.methods),
  };
}

/** report.json: Maps are not part of the report (per-visit scores stay in memory); numbers rounded to 6 places. */
export function reportJson(report: ValidationReport): string {
  return `${JSON.stringify(report, (_key, value) => (typeof value === 'number' && !Number.isInteger(value) ? Math.round(value * 1e6) / 1e6 : value), 2)}\n`;
}
