/** One-vs-rest logistic regression on bag-of-codes features; one decision threshold tuned on validation. */
import type { EncounterExample, EncounterFeatures } from '../../dataset/examples';
import { MultiLabelLogistic, DEFAULT_LOGISTIC_OPTIONS, type LogisticOptions } from '../logistic/trainer';
import { mean, setMetrics } from '../metrics';
import type { Recommendation, Recommender } from '../recommender';

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

const THRESHOLD_GRID = Array.from({ length: 19 }, (_, i) => 0.05 * (i + 1));

export class LogisticRecommender implements Recommender {
  readonly method = 'logistic';
  threshold = 0.5;
  private featureIndex = new Map<string, number>();
  private labels: string[] = [];
  private model = new MultiLabelLogistic(0, 0);

  constructor(private readonly options: LogisticOptions = DEFAULT_LOGISTIC_OPTIONS) {}

  private encode(example: EncounterExample): number[] {
    const indices = new Set<number>();
    for (const token of featureTokens(example.features)) {
      const index = this.featureIndex.get(token);
      if (index !== undefined) indices.add(index);
    }
    return [...indices];
  }

  fit(train: EncounterExample[], validation: EncounterExample[]): void {
    for (const example of train) {
      for (const token of featureTokens(example.features)) {
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
    this.threshold = this.tuneThreshold(validation.length ? validation : train);
  }

  /** The threshold with the best mean validation Jaccard (ties → the higher, more conservative one). */
  private tuneThreshold(examples: EncounterExample[]): number {
    const scored = examples.map((example) => ({ probabilities: this.model.predict(this.encode(example)), truth: new Set(example.labels) }));
    let best = { threshold: 0.5, jaccard: -1 };
    for (const threshold of THRESHOLD_GRID) {
      const jaccard = mean(scored.map(({ probabilities, truth }) => setMetrics(this.select(probabilities, threshold), truth).jaccard));
      if (jaccard >= best.jaccard) best = { threshold, jaccard };
    }
    return best.threshold;
  }

  private select(probabilities: Float64Array, threshold: number): Set<string> {
    const predicted = new Set<string>();
    probabilities.forEach((p, i) => {
      if (p >= threshold) predicted.add(this.labels[i]);
    });
    return predicted;
  }

  recommend(example: EncounterExample): Recommendation {
    const probabilities = this.model.predict(this.encode(example));
    const scores = new Map(this.labels.map((label, i) => [label, probabilities[i]]));
    return { scores, predicted: this.select(probabilities, this.threshold) };
  }
}
