/** The LAMO model as an evaluated method: exactly the service's scorer and decision rule (P(yes) ≥ each
 * candidate's own threshold from the manifest, src/inference/thresholds.ts). */
import type { EncounterExample } from '../dataset/examples';
import { recommended } from '../inference/thresholds';
import type { Scorer } from '../inference/types';
import type { Recommendation, Recommender } from './recommender';

export class LamoRecommender implements Recommender {
  readonly method = 'lamo';

  constructor(private readonly scorer: Scorer) {}

  /** The shipped model is trained offline (`npm run model:train`); evaluation only scores. */
  fit(): void {}

  async recommend(example: EncounterExample): Promise<Recommendation> {
    const { probabilities } = await this.scorer.score(example.prompt);
    return { scores: probabilities, predicted: recommended(probabilities, this.scorer.thresholds) };
  }
}
