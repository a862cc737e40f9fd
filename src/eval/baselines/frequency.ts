/** Prescribes the k drugs most often ordered in training, k = the mean label count rounded. */
import type { EncounterExample } from '../../dataset/examples';
import type { Recommendation, Recommender } from '../recommender';

export class FrequencyRecommender implements Recommender {
  readonly method = 'frequency';
  private scores = new Map<string, number>();
  private top = new Set<string>();

  fit(train: EncounterExample[]): void {
    const counts = new Map<string, number>();
    let labels = 0;
    for (const example of train) {
      labels += example.labels.length;
      for (const drug of example.labels) counts.set(drug, (counts.get(drug) ?? 0) + 1);
    }
    const k = Math.max(1, Math.round(labels / Math.max(1, train.length)));
    const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    this.scores = new Map(ranked.map(([drug, count]) => [drug, count / train.length]));
    this.top = new Set(ranked.slice(0, k).map(([drug]) => drug));
  }

  recommend(): Recommendation {
    return { scores: new Map(this.scores), predicted: new Set(this.top) };
  }
}
