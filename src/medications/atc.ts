/** The project's ATC subset (fhir-mappings/atc.json, built by scripts/build-atc-table.ts from the WHO index). */
import * as path from 'path';
import { readJsonFile } from '../json-file';
import { FHIR_MAPPINGS_DIR } from '../paths';

export interface AtcCandidateEntry {
  /** The candidate's own code: the substance, or the WHO combination code; absent when WHO has none. */
  atc?: string;
  /** Each ingredient's own code (null: none in the WHO index), for class checks on combinations. */
  ingredients: Record<string, string | null>;
}

export interface AtcTable {
  description: string;
  attribution: string;
  candidates: Record<string, AtcCandidateEntry>;
  /** Level-5 code → WHO name, only codes used above. */
  codes: Record<string, string>;
  /** Level-4 code (first 5 characters) → WHO class name. */
  classes: Record<string, string>;
}

export const DEFAULT_ATC_FILE = path.join(FHIR_MAPPINGS_DIR, 'atc.json');

export function loadAtcTable(file = DEFAULT_ATC_FILE): AtcTable {
  const table = readJsonFile(file, 'ATC table') as Partial<AtcTable>;
  if (!table || typeof table.candidates !== 'object' || typeof table.classes !== 'object' || typeof table.codes !== 'object') {
    throw new Error(`${file} is not an ATC table (candidates, codes and classes expected)`);
  }
  return table as AtcTable;
}

/**
 * The codes that stand for a candidate in class checks: its own code (a combination's WHO code names the
 * combination's class), else the codes of its ingredients. Empty when nothing is known.
 */
export function classCodesOf(table: AtcTable, candidate: string): string[] {
  const entry = table.candidates[candidate];
  if (!entry) return [];
  if (entry.atc) return [entry.atc];
  return [...new Set(Object.values(entry.ingredients).filter((code): code is string => Boolean(code)))].sort();
}

/** ATC level 4 (chemical subgroup): the first five characters, e.g. C10AA for the statins. */
export function atcLevel4(code: string): string | undefined {
  return code.length >= 5 ? code.slice(0, 5) : undefined;
}

/** Whether any of the codes lies under any of the prefixes ("N02AA05" under "N02A"): how class rules name a class. */
export function underAtcPrefix(codes: readonly string[], prefixes: readonly string[]): boolean {
  return codes.some((code) => prefixes.some((prefix) => code.startsWith(prefix)));
}
