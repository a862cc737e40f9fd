/** The five baselines, constructed in one place (eval, and any check that compares with them). */
import type { Recommender } from '../recommender';
import { CarryForwardRecommender } from './carry-forward';
import { FrequencyRecommender } from './frequency';
import { HistoryRecommender, type CandidatesOf } from './history';
import { LogisticRecommender } from './logistic';
import { LogisticPromptRecommender } from './logistic-prompt';

export { BASELINE_METHODS, bestBaseline, isBaseline, type BaselineMethod } from './names';

/** Fresh instances of the five baselines, in BASELINE_METHODS order; `candidatesOf` gives each visit's
 * candidates to the history baseline (the others score the drugs they learned). */
export function baselineRecommenders(candidatesOf: CandidatesOf): Recommender[] {
  return [new FrequencyRecommender(), new CarryForwardRecommender(), new LogisticRecommender(), new LogisticPromptRecommender(), new HistoryRecommender(candidatesOf)];
}
