/** Prescribes again what the previous visit with orders prescribed. Needs no training. */
import type { EncounterExample } from '../../dataset/examples';
import type { Recommendation, Recommender } from '../recommender';

export class CarryForwardRecommender implements Recommender {
  readonly method = 'carry-forward';

  fit(): void {}

  recommend(example: EncounterExample): Recommendation {
    const predicted = new Set(example.features.previousDrugs);
    return { scores: new Map([...predicted].map((drug) => [drug, 1])), predicted };
  }
}
