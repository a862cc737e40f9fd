/** The LAMO model as an evaluated method: P(yes) per candidate, prescribed when ≥ the manifest threshold. */
import type { EncounterExample } from '../dataset/examples';
import type { Scorer } from '../inference/types';
import type { Recommendation, Recommender } from './recommender';

export class LamoRecommender implements Recommender {
  readonly method = 'lamo';

  constructor(private readonly scorer: Scorer) {}

  /** The shipped model is trained offline (`npm run model:train`); evaluation only scores. */
  fit(): void {}

  async recommend(example: EncounterExample): Promise<Recommendation> {
    const { probabilities } = await this.scorer.score(example.prompt);
    const predicted = new Set<string>();
    for (const [drug, p] of probabilities) if (p >= this.scorer.threshold) predicted.add(drug);
    return { scores: probabilities, predicted };
  }
}
