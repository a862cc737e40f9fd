/**
 * The five baselines every evaluation reports, and "the best baseline": the best of all five by Jaccard,
 * wherever a table, report or check compares a model with the baselines (one rule, here). No imports, so
 * that the report and the clinical check can use it without loading the recommenders.
 */

export const BASELINE_METHODS = ['frequency', 'carry-forward', 'logistic', 'logistic-prompt', 'history'] as const;
export type BaselineMethod = (typeof BASELINE_METHODS)[number];

export function isBaseline(method: string): method is BaselineMethod {
  return (BASELINE_METHODS as readonly string[]).includes(method);
}

/** The baseline with the highest Jaccard among `results` (the first listed on a tie); undefined when none
 * of them is a baseline. Works on eval's rows ({ method, jaccard: number }) and on the report's summaries
 * through `jaccardOf`. */
export function bestBaseline<T extends { method: string }>(results: readonly T[], jaccardOf: (result: T) => number): T | undefined {
  let best: T | undefined;
  for (const result of results) {
    if (isBaseline(result.method) && (!best || jaccardOf(result) > jaccardOf(best))) best = result;
  }
  return best;
}
