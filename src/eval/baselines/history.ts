/**
 * `history`: one logistic model shared by every candidate over the candidate's own history in the record
 * (issue 17.1): ordered at the last visit, in how many of the last 3, consecutive streak, share of earlier
 * visits, days since last ordered (log), still current by dates, the patient's renewal rate, this drug's own
 * renewal rate, and products of these. It knows nothing of which drug it is, so what it learns is the
 * pattern of renewal, which transfers to drugs and populations it never saw; it cannot predict a new start.
 * One threshold, tuned on validation.
 */
import type { EncounterExample } from '../../dataset/examples';
import { currentDrugs, drugHistory, type MedicationHistory } from '../../lamo/medication-history';
import { DEFAULT_NEWTON_OPTIONS, fitWeightedLogistic, predictBinary, type BinaryLogistic, type WeightedRow } from '../logistic/newton';
import type { Recommendation, Recommender } from '../recommender';
import { selectAbove, tuneThreshold } from './threshold';

/** log(1 + days) over log(1 + 10 years): about 0..1 over the range that matters. */
const LOG_DAYS_SCALE = Math.log1p(3652);

export const HISTORY_FEATURES = [
  'ordered before', 'at last visit', 'in last 3 (share)', 'streak (log)', 'share of visits', 'days since last (log)',
  'current by dates', 'patient renewal rate', 'patient has visit pairs', 'drug renewal rate', 'drug has renewal pairs',
  'at last visit × patient rate', 'in last 3 × patient rate', 'share × patient rate', 'drug rate × patient rate',
  'ordered before × patient rate', 'at last visit × drug rate', 'current × patient rate', 'streak × patient rate',
  'at last visit × days (log)',
] as const;

/** The feature vector of one candidate at one visit (HISTORY_FEATURES order). */
export function historyFeatures(history: MedicationHistory, drug: string, current: ReadonlySet<string>): number[] {
  const facts = drugHistory(history, drug);
  const ever = facts.visits > 0 ? 1 : 0;
  const last = facts.orderedAtLastVisit ? 1 : 0;
  const lastThree = facts.inLastThree / 3;
  const streak = Math.log1p(facts.streak);
  const days = facts.daysSinceLast !== undefined ? Math.min(1.5, Math.log1p(Math.max(0, facts.daysSinceLast)) / LOG_DAYS_SCALE) : 0;
  const isCurrent = current.has(drug) ? 1 : 0;
  const patientRate = history.renewalRate ?? 0;
  const drugRate = facts.renewalRate ?? 0;
  return [
    ever, last, lastThree, streak, facts.share, days, isCurrent, patientRate, history.renewalRate !== undefined ? 1 : 0,
    drugRate, facts.renewalPairs > 0 ? 1 : 0, last * patientRate, lastThree * patientRate, facts.share * patientRate,
    drugRate * patientRate, ever * patientRate, last * drugRate, isCurrent * patientRate, streak * patientRate, last * days,
  ];
}

/** The candidates a method may predict for a visit (by default the visit's own candidate set). */
export type CandidatesOf = (example: EncounterExample) => readonly string[];

export class HistoryRecommender implements Recommender {
  readonly method = 'history';
  threshold = 0.5;
  private model: BinaryLogistic = { intercept: 0, weights: HISTORY_FEATURES.map(() => 0) };

  constructor(
    private readonly candidatesOf: CandidatesOf = (example) => example.candidates,
    /** The drugs the patient is taking on arrival. */
    private readonly currentOf: (example: EncounterExample) => readonly string[] = (example) => currentDrugs(example.history),
  ) {}

  /** Rows of one visit: one per candidate ordered before, and one merged row for all never-ordered ones. */
  private rows(example: EncounterExample): WeightedRow[] {
    const truth = new Set(example.labels);
    const current = new Set(this.currentOf(example));
    const rows: WeightedRow[] = [];
    let never = 0;
    let neverOrdered = 0;
    for (const drug of this.candidatesOf(example)) {
      if (example.history.drugs.has(drug)) rows.push({ x: historyFeatures(example.history, drug, current), y: truth.has(drug) ? 1 : 0, weight: 1 });
      else {
        never += 1;
        if (truth.has(drug)) neverOrdered += 1;
      }
    }
    // Never-ordered candidates share one feature vector (only the patient's features are non-zero).
    if (never) rows.push({ x: historyFeatures(example.history, '', new Set()), y: neverOrdered / never, weight: never });
    return rows;
  }

  fit(train: EncounterExample[], validation: EncounterExample[]): void {
    this.model = fitWeightedLogistic(train.flatMap((example) => this.rows(example)), HISTORY_FEATURES.length, DEFAULT_NEWTON_OPTIONS);
    const tuning = validation.length ? validation : train;
    this.threshold = tuneThreshold(tuning.map((example) => ({ scores: this.scores(example), truth: new Set(example.labels) })));
  }

  private scores(example: EncounterExample): Map<string, number> {
    const current = new Set(this.currentOf(example));
    const scores = new Map<string, number>();
    let never: number | undefined;
    for (const drug of this.candidatesOf(example)) {
      if (example.history.drugs.has(drug)) scores.set(drug, predictBinary(this.model, historyFeatures(example.history, drug, current)));
      else scores.set(drug, (never ??= predictBinary(this.model, historyFeatures(example.history, drug, current))));
    }
    return scores;
  }

  recommend(example: EncounterExample): Recommendation {
    const scores = this.scores(example);
    return { scores, predicted: selectAbove(scores, this.threshold) };
  }
}
