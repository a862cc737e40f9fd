/** Prescribes the k drugs most often ordered in training, k = the mean label count rounded (among the
 * visit's candidates, as every method). */
import type { EncounterExample } from '../../dataset/examples';
import type { Recommendation, Recommender } from '../recommender';

export class FrequencyRecommender implements Recommender {
  readonly method = 'frequency';
  private ranked: [string, number][] = [];
  private k = 1;

  fit(train: EncounterExample[]): void {
    const counts = new Map<string, number>();
    let labels = 0;
    for (const example of train) {
      labels += example.labels.length;
      for (const drug of example.labels) counts.set(drug, (counts.get(drug) ?? 0) + 1);
    }
    this.k = Math.max(1, Math.round(labels / Math.max(1, train.length)));
    this.ranked = [...counts.entries()]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([drug, count]) => [drug, count / train.length]);
  }

  recommend(example: EncounterExample): Recommendation {
    const candidates = new Set(example.candidates);
    const ranked = this.ranked.filter(([drug]) => candidates.has(drug));
    return { scores: new Map(ranked), predicted: new Set(ranked.slice(0, this.k).map(([drug]) => drug)) };
  }
}
