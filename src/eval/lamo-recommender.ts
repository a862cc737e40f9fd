/** The LAMO model as an evaluated method: exactly the service's scorer and decision rule (P(yes) ≥ each
 * candidate's own threshold from the manifest, src/inference/thresholds.ts). */
import type { EncounterExample } from '../dataset/examples';
import { recommended } from '../inference/thresholds';
import type { Scorer } from '../inference/types';
import type { Recommendation, Recommender } from './recommender';

export class LamoRecommender implements Recommender {
  /** `lamo`, or a marked name when the row is reported on encounters the model was trained on. */
  constructor(
    private readonly scorer: Scorer,
    readonly method = 'lamo',
  ) {}

  /** The shipped model is trained offline (`npm run model:train`); evaluation only scores. */
  fit(): void {}

  async recommend(example: EncounterExample): Promise<Recommendation> {
    const { probabilities } = await this.scorer.score(example.prompt);
    return { scores: probabilities, predicted: recommended(probabilities, this.scorer.thresholds) };
  }
}
