/**
 * The injected drafts of the clinical check: a drug with one clear indication (unindicated-drugs.json, beside
 * this file) that the patient's record gives no reason for — none of the patient's conditions, whatever their
 * status, names its indication, and the drug was never ordered for the patient. Chosen by condition-name words,
 * never through the service's indication knowledge, so that the check does not grade that knowledge by itself.
 */
import * as path from 'path';
import { seededUnit } from '../../dataset/splits';
import { readJsonFile } from '../../json-file';
import { PROJECT_ROOT } from '../../paths';

export const UNINDICATED_DRUGS_FILE = path.join(PROJECT_ROOT, 'src', 'eval', 'clinical-check', 'unindicated-drugs.json');

export interface UnindicatedDrug {
  /** Candidate-style name: lower-case ingredients joined " / ". */
  drug: string;
  rxnorm: string;
  display: string;
  /** Its indication, for the reader. */
  indication: string;
  /** Lower-case words: a condition whose name contains one may be its indication. */
  conditionWords: string[];
  source: string;
  review: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function loadUnindicatedDrugs(file = UNINDICATED_DRUGS_FILE): UnindicatedDrug[] {
  const value = readJsonFile(file, 'unindicated drug list');
  if (!isRecord(value) || !isRecord(value.sources) || !Array.isArray(value.drugs)) throw new Error(`${file}: expected { description, sources, drugs }`);
  for (const entry of value.drugs as unknown[]) {
    const ok =
      isRecord(entry) &&
      typeof entry.drug === 'string' &&
      typeof entry.rxnorm === 'string' &&
      /^\d+$/.test(entry.rxnorm) &&
      typeof entry.display === 'string' &&
      Array.isArray(entry.conditionWords) &&
      entry.conditionWords.length > 0 &&
      entry.conditionWords.every((word) => typeof word === 'string' && word === word.toLowerCase() && word.length >= 3) &&
      typeof entry.source === 'string' &&
      entry.source in (value.sources as Record<string, unknown>);
    if (!ok) throw new Error(`${file}: every drug needs a name, an RxNorm product, lower-case condition words and a listed source`);
  }
  return value.drugs as UnindicatedDrug[];
}

/**
 * A drug to inject for this patient, seeded by `key`: none of `conditionNames` contains one of its words and
 * none of its ingredients is in `orderedIngredients` (anything the patient was ever ordered, or is ordered now).
 */
export function pickUnindicated(
  drugs: readonly UnindicatedDrug[],
  conditionNames: readonly string[],
  orderedIngredients: ReadonlySet<string>,
  key: string,
): UnindicatedDrug | undefined {
  const names = conditionNames.map((name) => name.toLowerCase());
  const eligible = drugs.filter(
    (entry) =>
      !entry.conditionWords.some((word) => names.some((name) => name.includes(word))) &&
      !entry.drug.split(' / ').some((ingredient) => orderedIngredients.has(ingredient)),
  );
  return [...eligible].sort((a, b) => seededUnit(key, a.drug) - seededUnit(key, b.drug))[0];
}
