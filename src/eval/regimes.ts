/**
 * Every method's figures by regime (the patient's renewal history before the visit, issue 17.5), with 95%
 * bootstrap intervals over patients: the populations differ in their mix of regimes, so a pooled figure
 * alone hides whether a method handles renewals, new starts, or only the mix it was trained on.
 */
import type { Regime } from '../lamo/medication-history';
import { REGIMES } from '../lamo/medication-history';
import { bootstrapMethods, methodValues, type BootstrapOptions } from '../report/bootstrap';
import type { MethodOutcomes } from '../report/types';
import { methodResult, type InteractionCheck, type MethodResult, type MethodRun, type VisitPrediction } from './results';

export interface RegimeResult extends MethodResult {
  /** 95% percentile interval of the Jaccard and F1, bootstrap over patients (same draws for every method). */
  jaccard_ci: [number, number];
  f1_ci: [number, number];
}

export interface RegimeReport {
  regime: Regime;
  visits: number;
  patients: number;
  /** Empty when no test visit is in this regime. */
  results: RegimeResult[];
}

export const DEFAULT_REGIME_BOOTSTRAP: BootstrapOptions = { resamples: 1000, seed: 1 };

/** One prediction as the report's bootstrap reads it. */
export function visitOutcome({ example, scores, predicted }: VisitPrediction): MethodOutcomes['visits'][number] {
  return {
    patientKey: example.patientKey,
    encounterKey: example.encounterKey,
    population: example.population,
    age: example.ageAtVisit,
    sex: example.sex,
    regime: example.history.regime,
    truth: example.labels,
    predicted: [...predicted],
    scores: new Map(scores),
  };
}

/** The four regimes, in REGIMES order, over the visits of `runs` that `keep` accepts (all by default). */
export function regimeBreakdown(
  runs: readonly MethodRun[],
  options: { interacts?: InteractionCheck; bootstrap?: BootstrapOptions; keep?: (visit: VisitPrediction) => boolean } = {},
): RegimeReport[] {
  const visits = runs[0]?.visits ?? [];
  const outcomes: MethodOutcomes[] = runs.map((run) => ({ method: run.method, probabilistic: false, visits: run.visits.map(visitOutcome) }));
  const values = methodValues(outcomes);
  return REGIMES.map((regime) => {
    const subset = visits
      .map((visit, i) => ({ visit, i }))
      .filter(({ visit }) => visit.example.history.regime === regime && (options.keep?.(visit) ?? true))
      .map(({ i }) => i);
    if (subset.length === 0) return { regime, visits: 0, patients: 0, results: [] };
    const { summaries } = bootstrapMethods(outcomes, values, subset, options.bootstrap ?? DEFAULT_REGIME_BOOTSTRAP);
    const results = runs.map((run, m): RegimeResult => ({
      ...methodResult(run.method, subset.map((i) => run.visits[i]), options.interacts),
      jaccard_ci: summaries[m].jaccard.ci,
      f1_ci: summaries[m].f1.ci,
    }));
    return { regime, visits: subset.length, patients: summaries[0].patients, results };
  });
}
