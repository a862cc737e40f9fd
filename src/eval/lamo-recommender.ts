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

  /** Scores the visit's own candidate set (the vocabulary and the patient's other earlier drugs), as every
   * method does; a model without a "*" file scores only the candidates it lists. */
  async recommend(example: EncounterExample): Promise<Recommendation> {
    const known = new Set(this.scorer.candidates);
    const candidates = this.scorer.scoresExtraCandidates ? example.candidates : example.candidates.filter((c) => known.has(c));
    const { probabilities } = await this.scorer.score(example.prompt, candidates);
    return { scores: probabilities, predicted: recommended(probabilities, this.scorer.thresholds) };
  }
}
