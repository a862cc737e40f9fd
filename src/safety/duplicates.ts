/**
 * Therapeutic duplication: two drugs with an ingredient in common (acetaminophen alone and in a combination),
 * or of the same ATC level-4 class (two statins, two NSAIDs).
 */
import { atcLevel4 } from '../medications/atc';
import { drugRef, pairsToCheck, type DuplicateFinding, type PairMode, type SafetyDrug } from './types';

export interface DuplicateOptions {
  mode?: PairMode;
  /** ATC level-4 code → class name, for the rationale (fhir-mappings/atc.json `classes`). */
  classNames?: Readonly<Record<string, string>>;
}

function level4Classes(drug: SafetyDrug): Set<string> {
  return new Set(drug.atc.map(atcLevel4).filter((code): code is string => code !== undefined));
}

/** Duplicate findings among `drugs` (pairs as in `pairsToCheck`); a shared ingredient is reported before a shared class. */
export function findDuplicates(drugs: readonly SafetyDrug[], options: DuplicateOptions = {}): DuplicateFinding[] {
  const findings: DuplicateFinding[] = [];
  for (const [a, b] of pairsToCheck(drugs, options.mode)) {
    const sharedIngredients = a.ingredients.filter((ingredient) => b.ingredients.includes(ingredient));
    if (sharedIngredients.length > 0) {
      findings.push({
        kind: 'duplicate',
        severity: 'warning',
        drugs: [drugRef(a), drugRef(b)],
        basis: 'ingredient',
        shared: sharedIngredients,
        rationale: `${a.name} and ${b.name} both contain ${sharedIngredients.join(' and ')}: risk of a double dose.`,
      });
      continue;
    }
    const classesOfB = level4Classes(b);
    const sharedClasses = [...level4Classes(a)].filter((code) => classesOfB.has(code)).sort();
    if (sharedClasses.length > 0) {
      const named = sharedClasses.map((code) => (options.classNames?.[code] ? `${options.classNames[code]} (ATC ${code})` : `ATC ${code}`));
      findings.push({
        kind: 'duplicate',
        severity: 'warning',
        drugs: [drugRef(a), drugRef(b)],
        basis: 'class',
        shared: sharedClasses,
        rationale: `${a.name} and ${b.name} are in the same drug class, ${named.join(' and ')}: check that both are intended.`,
      });
    }
  }
  return findings;
}
