/** The one decision rule on a model's P(yes): every consumer (eval's `lamo` row, the CDS cards, the
 * validation report, the SMART app) asks these functions and nothing else.
 *
 * - `recommend(c)`: the model recommends candidate `c` when P(yes) ≥ recommend(c).
 * - `unsupported(c)`: the model is confident that a real order of `c` is very unlikely when
 *   P(yes) < unsupported(c) (issue 9 item 4: tuned on validation patients so that only a few percent of
 *   validation real orders fall below it). Always ≤ recommend(c).
 *
 * Values come from the manifest: `candidates[i].threshold` / `candidates[i].unsupportedThreshold`, else
 * the global `threshold` / `unsupportedThreshold`; a manifest without any unsupported threshold gets
 * DEFAULT_UNSUPPORTED_THRESHOLD (capped at the candidate's recommend threshold). */
import type { ModelManifest } from './manifest';

/** Used only when a manifest carries no unsupported threshold at all (models from before issue 9). It is
 * deliberately low — "conservative" means few warnings: a draft order is called unsupported by the model
 * only when P(yes) is under 2%, and the cards add their own conditions (no indication found) on top. */
export const DEFAULT_UNSUPPORTED_THRESHOLD = 0.02;

/** Plain data (crosses worker threads as is): the resolved thresholds of every candidate. */
export interface ThresholdTable {
  /** Global recommend threshold: for a candidate the manifest does not list. */
  recommend: number;
  /** Global unsupported threshold: for a candidate the manifest does not list. */
  unsupported: number;
  /** Candidate name → its own thresholds (fallbacks already applied). */
  candidates: Record<string, { recommend: number; unsupported: number }>;
}

export interface DecisionThresholds {
  /** P(yes) ≥ recommend(candidate) → the model recommends the candidate. */
  recommend(candidate: string): number;
  /** P(yes) < unsupported(candidate) → the model finds an order of the candidate very unlikely. */
  unsupported(candidate: string): number;
  /** The resolved values, for display (model card, report) and for crossing threads. */
  readonly table: ThresholdTable;
}

/** A manifest whose thresholds cannot be used; loadManifest turns it into a ModelLoadError naming the file. */
export class ThresholdError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ThresholdError';
  }
}

/** Resolves and checks the manifest's thresholds (each in [0, 1]; unsupported ≤ recommend). */
export function decisionThresholds(manifest: Pick<ModelManifest, 'threshold' | 'unsupportedThreshold' | 'candidates'>): DecisionThresholds {
  const recommend = probability(manifest.threshold, 'threshold');
  const globalUnsupported =
    manifest.unsupportedThreshold === undefined
      ? Math.min(DEFAULT_UNSUPPORTED_THRESHOLD, recommend)
      : probability(manifest.unsupportedThreshold, 'unsupportedThreshold');
  if (globalUnsupported > recommend) {
    throw new ThresholdError(`unsupportedThreshold ${globalUnsupported} is above threshold ${recommend}`);
  }
  const candidates: ThresholdTable['candidates'] = {};
  for (const candidate of manifest.candidates) {
    const own = candidate.threshold === undefined ? recommend : probability(candidate.threshold, `threshold of "${candidate.name}"`);
    const ownUnsupported =
      candidate.unsupportedThreshold !== undefined
        ? probability(candidate.unsupportedThreshold, `unsupportedThreshold of "${candidate.name}"`)
        : Math.min(globalUnsupported, own);
    if (ownUnsupported > own) {
      throw new ThresholdError(`candidate "${candidate.name}": unsupportedThreshold ${ownUnsupported} is above its threshold ${own}`);
    }
    candidates[candidate.name] = { recommend: own, unsupported: ownUnsupported };
  }
  return thresholdsFromTable({ recommend, unsupported: globalUnsupported, candidates });
}

/** Rebuilds the functions from a table (e.g. one a worker thread sent). */
export function thresholdsFromTable(table: ThresholdTable): DecisionThresholds {
  const own = new Map(Object.entries(table.candidates));
  return {
    recommend: (candidate) => own.get(candidate)?.recommend ?? table.recommend,
    unsupported: (candidate) => own.get(candidate)?.unsupported ?? table.unsupported,
    table,
  };
}

/** Candidates the model recommends in `probabilities` (P(yes) ≥ their own threshold). */
export function recommended(probabilities: ReadonlyMap<string, number>, thresholds: DecisionThresholds): Set<string> {
  const out = new Set<string>();
  for (const [candidate, p] of probabilities) if (p >= thresholds.recommend(candidate)) out.add(candidate);
  return out;
}

function probability(value: number, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new ThresholdError(`${what} must be a number in [0, 1], got ${String(value)}`);
  }
  return value;
}
