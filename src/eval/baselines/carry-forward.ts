/** Prescribes again what the previous visit with orders prescribed (within the visit's candidates). Needs no training. */
import type { EncounterExample } from '../../dataset/examples';
import type { Recommendation, Recommender } from '../recommender';

export class CarryForwardRecommender implements Recommender {
  readonly method = 'carry-forward';

  fit(): void {}

  recommend(example: EncounterExample): Recommendation {
    const candidates = new Set(example.candidates);
    const predicted = new Set(example.features.previousDrugs.filter((drug) => candidates.has(drug)));
    return { scores: new Map([...predicted].map((drug) => [drug, 1])), predicted };
  }
}
