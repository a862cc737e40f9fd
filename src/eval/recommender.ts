/** What the evaluation needs of a method: scores for candidates and the set it would prescribe. */
import type { EncounterExample } from '../dataset/examples';

export interface Recommendation {
  /** Candidate → score (probability or rank score); used for PRAUC. */
  scores: Map<string, number>;
  /** The drugs the method prescribes for the visit. */
  predicted: Set<string>;
}

export interface Recommender {
  readonly method: string;
  /** Learns from the training examples; validation examples tune thresholds. */
  fit(train: EncounterExample[], validation: EncounterExample[]): void | Promise<void>;
  recommend(example: EncounterExample): Recommendation | Promise<Recommendation>;
}
