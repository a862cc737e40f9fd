/** The five baselines, constructed in one place (eval, and any check that compares with them). */
import type { Recommender } from '../recommender';
import { CarryForwardRecommender } from './carry-forward';
import { FrequencyRecommender } from './frequency';
import { HistoryRecommender, type CandidatesOf } from './history';
import { LogisticRecommender } from './logistic';
import { LogisticPromptRecommender } from './logistic-prompt';

export { BASELINE_METHODS, bestBaseline, isBaseline, type BaselineMethod } from './names';

/** Fresh instances of the five baselines, in BASELINE_METHODS order. Each predicts from the visit's own
 * candidate set (`EncounterExample.candidates`: the vocabulary and the patient's earlier drugs); the
 * history baseline may be given another (`candidatesOf`). */
export function baselineRecommenders(candidatesOf?: CandidatesOf): Recommender[] {
  return [new FrequencyRecommender(), new CarryForwardRecommender(), new LogisticRecommender(), new LogisticPromptRecommender(), new HistoryRecommender(candidatesOf)];
}
