/**
 * One-vs-rest logistic regression on bag-of-tokens features; one decision threshold tuned on validation.
 * `logistic` reads the structured codes of the visit (conditions, procedures, class, type, reason, previous
 * drugs); `logistic-prompt` (./logistic-prompt.ts) the same model over the prompt's own sections.
 */
import type { EncounterExample, EncounterFeatures } from '../../dataset/examples';
import { MultiLabelLogistic, DEFAULT_LOGISTIC_OPTIONS, type LogisticOptions } from '../logistic/trainer';
import type { Recommendation, Recommender } from '../recommender';
import { selectAbove, tuneThreshold } from './threshold';

export function featureTokens(features: EncounterFeatures): string[] {
  return [
    ...(features.encounterClass ? [`class:${features.encounterClass}`] : []),
    ...features.encounterTypes.map((t) => `type:${t}`),
    ...features.reasons.map((r) => `reason:${r}`),
    ...features.conditions.map((c) => `condition:${c}`),
    ...features.procedures.map((p) => `procedure:${p}`),
    ...features.previousDrugs.map((d) => `previous:${d}`),
  ];
}

/** The tokens (binary features) a logistic baseline reads from a visit. */
export type TokensOf = (example: EncounterExample) => string[];

export class LogisticRecommender implements Recommender {
  threshold = 0.5;
  private featureIndex = new Map<string, number>();
  private labels: string[] = [];
  private model = new MultiLabelLogistic(0, 0);

  constructor(
    private readonly options: LogisticOptions = DEFAULT_LOGISTIC_OPTIONS,
    readonly method: string = 'logistic',
    private readonly tokensOf: TokensOf = (example) => featureTokens(example.features),
  ) {}

  private encode(example: EncounterExample): number[] {
    const indices = new Set<number>();
    for (const token of this.tokensOf(example)) {
      const index = this.featureIndex.get(token);
      if (index !== undefined) indices.add(index);
    }
    return [...indices];
  }

  fit(train: EncounterExample[], validation: EncounterExample[]): void {
    for (const example of train) {
      for (const token of this.tokensOf(example)) {
        if (!this.featureIndex.has(token)) this.featureIndex.set(token, this.featureIndex.size);
      }
    }
    this.labels = [...new Set(train.flatMap((example) => example.labels))].sort();
    const labelIndex = new Map(this.labels.map((label, i) => [label, i]));
    this.model = new MultiLabelLogistic(this.featureIndex.size, this.labels.length);
    this.model.fit(
      train.map((example) => ({
        features: this.encode(example),
        labels: example.labels.map((label) => labelIndex.get(label)!),
      })),
      this.options,
    );
    const tuning = validation.length ? validation : train;
    this.threshold = tuneThreshold(tuning.map((example) => ({ scores: this.scores(example), truth: new Set(example.labels) })));
  }

  /** P(yes) of every learned drug that is among the visit's candidates (the set every method chooses from). */
  private scores(example: EncounterExample): Map<string, number> {
    const probabilities = this.model.predict(this.encode(example));
    const candidates = new Set(example.candidates);
    const scores = new Map<string, number>();
    this.labels.forEach((label, i) => {
      if (candidates.has(label)) scores.set(label, probabilities[i]);
    });
    return scores;
  }

  recommend(example: EncounterExample): Recommendation {
    const scores = this.scores(example);
    return { scores, predicted: selectAbove(scores, this.threshold) };
  }
}
