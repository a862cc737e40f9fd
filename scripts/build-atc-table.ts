/**
 * Derives fhir-mappings/atc.json — only the WHO ATC codes the project's candidates need, with their level-4
 * class names — from ../shared/reference/who-atc-ddd.csv and the hand-reviewed fhir-mappings/atc-review.json.
 *
 *   npm run build && node dist/scripts/build-atc-table.js
 *
 * Reads the candidate names from fhir-mappings/medications.json. build-medication-map uses the same
 * derivation (exported below), so running that script alone also refreshes atc.json.
 */
import { readFileSync, writeFileSync } from 'fs';
import * as path from 'path';
import { readJsonFile } from '../src/json-file';
import { FHIR_MAPPINGS_DIR, SHARED_DIR } from '../src/paths';
import { ingredientsOf } from '../src/medications/normalise';
import type { AtcCandidateEntry, AtcTable } from '../src/medications/atc';

export const WHO_ATC_CSV = path.join(SHARED_DIR, 'reference', 'who-atc-ddd.csv');
export const ATC_REVIEW_FILE = path.join(FHIR_MAPPINGS_DIR, 'atc-review.json');
export const ATC_TABLE_FILE = path.join(FHIR_MAPPINGS_DIR, 'atc.json');

export const WHO_ATTRIBUTION =
  'ATC codes and names: WHO Collaborating Centre for Drug Statistics Methodology, ATC/DDD Index (Oslo, Norway), ' +
  'https://atcddd.fhi.no/. Only the subset this project\'s medication candidates need is included, derived from ' +
  'the ATC/DDD file the project was given; this is not the complete classification and must not be used as such.';

/** Hand-reviewed inputs (fhir-mappings/atc-review.json). */
export interface AtcReview {
  /** RxNorm / US ingredient name → the WHO INN the ATC index uses ("acetaminophen" → "paracetamol"). */
  innSynonyms: Record<string, string>;
  /** Ingredient or candidate name → the ATC code chosen where the lookup is ambiguous or needs a class code;
   * `null` records a reviewed "no code". */
  choices: Record<string, { atc: string | null; why: string }>;
  /** Ingredients the WHO index lists only inside a combination, or not at all, but that are real substances. */
  knownIngredients: Record<string, string>;
}

/** Level-5 (substance) codes and level-1..4 group codes → names, from the WHO csv. */
export interface WhoAtc {
  names: Map<string, string>;
  /** Lower-case substance name → its level-5 codes (a substance can sit in several groups). */
  codesByName: Map<string, string[]>;
  /** Every substance name, including the parts of combination names ("a and b", "a, b and c"). */
  substances: Set<string>;
}

/** Splits one CSV line with RFC 4180 quoting (the WHO names contain commas). */
function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i];
    if (quoted) {
      if (char === '"' && line[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      fields.push(field);
      field = '';
    } else field += char;
  }
  fields.push(field);
  return fields;
}

/** The parts of a WHO combination name: "oxycodone and paracetamol" → both; "a, b and c" → three. */
export function combinationParts(name: string): string[] {
  return name.split(/, | and /).map((part) => part.trim()).filter(Boolean);
}

export function parseWhoAtc(text: string): WhoAtc {
  const names = new Map<string, string>();
  const codesByName = new Map<string, string[]>();
  const substances = new Set<string>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).filter(Boolean);
  const header = splitCsvLine(lines[0]);
  if (header[0] !== 'atc_code' || header[1] !== 'atc_name') throw new Error('who-atc-ddd.csv: unexpected header');
  for (const line of lines.slice(1)) {
    const [code, name] = splitCsvLine(line);
    if (!code || !name || names.has(code)) continue; // one row per DDD route: the first names the code
    names.set(code, name);
    if (code.length !== 7) continue;
    const lower = name.toLowerCase();
    codesByName.set(lower, [...(codesByName.get(lower) ?? []), code]);
    substances.add(lower);
    for (const part of combinationParts(lower)) substances.add(part);
  }
  return { names, codesByName, substances };
}

export function loadWhoAtc(file = WHO_ATC_CSV): WhoAtc {
  return parseWhoAtc(readFileSync(file, 'utf8'));
}

export function loadAtcReview(file = ATC_REVIEW_FILE): AtcReview {
  return readJsonFile(file, 'ATC review') as AtcReview;
}

function innOf(ingredient: string, review: AtcReview): string {
  return review.innSynonyms[ingredient] ?? ingredient;
}

/** Whether an ingredient name is a real substance: in the WHO index (via its INN) or reviewed as known. */
export function isKnownIngredient(ingredient: string, who: WhoAtc, review: AtcReview): boolean {
  return who.substances.has(innOf(ingredient, review)) || ingredient in review.knownIngredients;
}

function permutations(items: string[]): string[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

/** WHO writes combinations "a and b" / "a, b and c" in no fixed order: try every order. */
export function combinationCodes(inns: string[], who: WhoAtc): string[] {
  const codes = new Set<string>();
  for (const order of permutations(inns)) {
    const name = order.length === 2 ? `${order[0]} and ${order[1]}` : `${order.slice(0, -1).join(', ')} and ${order[order.length - 1]}`;
    for (const code of who.codesByName.get(name) ?? []) codes.add(code);
  }
  return [...codes].sort();
}

interface Resolved {
  atc: string | null;
  problem?: string;
}

function resolveIngredient(ingredient: string, who: WhoAtc, review: AtcReview): Resolved {
  const choice = review.choices[ingredient];
  if (choice) return { atc: choice.atc };
  const codes = who.codesByName.get(innOf(ingredient, review)) ?? [];
  if (codes.length === 1) return { atc: codes[0] };
  if (codes.length === 0) return { atc: null };
  return { atc: null, problem: `"${ingredient}" has several ATC codes (${[...codes].sort().join(', ')}): choose one in atc-review.json` };
}

function resolveCombination(name: string, ingredients: string[], who: WhoAtc, review: AtcReview): Resolved {
  const choice = review.choices[name];
  if (choice) return { atc: choice.atc };
  const codes = combinationCodes(ingredients.map((ingredient) => innOf(ingredient, review)), who);
  if (codes.length === 1) return { atc: codes[0] };
  if (codes.length === 0) return { atc: null };
  return { atc: null, problem: `"${name}" matches several WHO combination codes (${codes.join(', ')}): choose one in atc-review.json` };
}

/**
 * The ATC table for the given candidate names. Problems (ambiguities the review has not settled, codes the
 * review names that the WHO file lacks) are returned, not thrown, so the caller can list them all at once.
 */
export function deriveAtcTable(candidateNames: readonly string[], who: WhoAtc, review: AtcReview): { table: AtcTable; problems: string[] } {
  const problems: string[] = [];
  const candidates: Record<string, AtcCandidateEntry> = {};
  const used = new Set<string>();
  for (const name of [...candidateNames].sort()) {
    const ingredients = ingredientsOf(name);
    const perIngredient: Record<string, string | null> = {};
    for (const ingredient of ingredients) {
      const resolved = resolveIngredient(ingredient, who, review);
      if (resolved.problem) problems.push(resolved.problem);
      perIngredient[ingredient] = resolved.atc;
    }
    const own = ingredients.length === 1 ? { atc: perIngredient[ingredients[0]] } : resolveCombination(name, ingredients, who, review);
    if (own.problem) problems.push(own.problem);
    candidates[name] = own.atc ? { atc: own.atc, ingredients: perIngredient } : { ingredients: perIngredient };
    for (const code of [own.atc, ...Object.values(perIngredient)]) {
      if (!code) continue;
      if (!who.names.has(code)) problems.push(`"${name}": ATC code ${code} is not in the WHO file`);
      used.add(code);
    }
  }
  const codes: Record<string, string> = {};
  const classes: Record<string, string> = {};
  for (const code of [...used].sort()) {
    codes[code] = who.names.get(code) ?? '';
    const level4 = code.slice(0, 5);
    classes[level4] = who.names.get(level4) ?? '';
  }
  return {
    table: { description: 'ATC codes of the medication candidates (fhir-mappings/medications.json).', attribution: WHO_ATTRIBUTION, candidates, codes, classes },
    problems,
  };
}

export function writeJson(file: string, value: unknown): void {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

function main(): void {
  const medications = readJsonFile(path.join(FHIR_MAPPINGS_DIR, 'medications.json'), 'medication map') as { candidates: { name: string }[] };
  const { table, problems } = deriveAtcTable(medications.candidates.map((candidate) => candidate.name), loadWhoAtc(), loadAtcReview());
  if (problems.length > 0) {
    process.stderr.write(`${problems.map((problem) => `problem: ${problem}`).join('\n')}\n`);
    process.exitCode = 1;
    return;
  }
  writeJson(ATC_TABLE_FILE, table);
  const withCode = Object.values(table.candidates).filter((entry) => entry.atc).length;
  process.stdout.write(`atc.json: ${Object.keys(table.candidates).length} candidates, ${withCode} with an ATC code, ${Object.keys(table.codes).length} codes\n`);
}

if (require.main === module) main();
