/** LAMO's medication vocabulary: ordered products normalised to ingredient-level candidates. */
import type { Concept } from '../fhir/types';

export interface Candidate {
  /** Stable key and the name the prompt uses: lower-case ingredient(s), combinations joined by " / "
   * in alphabetical order, e.g. "acetaminophen / oxycodone". */
  name: string;
  /** RxNorm codes of products seen that map to this candidate. */
  rxnorm: string[];
  /** WHO ATC code (level 5 where known, else the most specific known level); undefined when unknown. */
  atc?: string;
}

export type NormalisedDrug =
  | { covered: true; candidate: string; ingredients: string[] }
  | { covered: false; reason: string };

export interface MedicationVocabulary {
  candidates: Candidate[];
  /** Map a drug concept (RxNorm code first, then its display text) to its candidate, or "not covered". */
  normalise(concept: Concept): NormalisedDrug;
  byName(name: string): Candidate | undefined;
}
