/**
 * Whether a product acts long or short (fhir-mappings/release-types.json), read from its product text: the
 * extended-release words RxNorm puts in a clinical drug's name ("12 HR … Extended Release Oral Tablet",
 * "72 HR … Transdermal System"), extended-release brands ("[OxyContin]"), and ingredients that act long in any
 * form (methadone). Everything else is short-acting (immediate release, injections). The duplicate-therapy rules
 * read it: a long-acting opioid with a short-acting one for breakthrough pain is the intended regimen.
 */
import * as path from 'path';
import { readJsonFile } from '../json-file';
import { FHIR_MAPPINGS_DIR } from '../paths';

export const DEFAULT_RELEASE_TYPES_FILE = path.join(FHIR_MAPPINGS_DIR, 'release-types.json');

export type Release = 'long-acting' | 'short-acting';

export interface ReleaseTypesFile {
  description: string;
  review: string;
  sources: Record<string, string>;
  longActing: {
    words: string[];
    wordsSources: string[];
    brands: string[];
    brandsSources: string[];
    /** Ingredient (candidate naming) → why it acts long in any form. */
    ingredients: Record<string, string>;
    ingredientsSources: string[];
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isWordList = (value: unknown): value is string[] => Array.isArray(value) && value.length > 0 && value.every((word) => typeof word === 'string' && word.trim() === word && word !== '');

export function validateReleaseTypes(value: unknown, file = 'release-types.json'): ReleaseTypesFile {
  if (!isRecord(value) || !isRecord(value.sources) || !isRecord(value.longActing)) throw new Error(`${file}: expected { description, review, sources, longActing }`);
  const long = value.longActing;
  const sources = value.sources;
  const cites = (ids: unknown): boolean => Array.isArray(ids) && ids.length > 0 && ids.every((id) => typeof id === 'string' && id in sources);
  if (!isWordList(long.words) || !isWordList(long.brands)) throw new Error(`${file}: longActing needs non-empty "words" and "brands" lists of trimmed strings`);
  if (!isRecord(long.ingredients) || !Object.values(long.ingredients).every((why) => typeof why === 'string' && why !== '')) throw new Error(`${file}: longActing.ingredients maps each ingredient to why`);
  if (!cites(long.wordsSources) || !cites(long.brandsSources) || !cites(long.ingredientsSources)) throw new Error(`${file}: every longActing list must cite sources listed in "sources"`);
  return value as unknown as ReleaseTypesFile;
}

/** The words as one case-insensitive whole-word pattern (a word inside another word never counts: "er" in "sERtraline"). */
function wholeWords(words: readonly string[]): RegExp {
  const escaped = words.map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s*'));
  return new RegExp(`(?<![a-z0-9])(?:${escaped.join('|')})(?![a-z0-9])`, 'i');
}

export class ReleaseTypes {
  private readonly words: RegExp;
  private readonly brands: RegExp;
  private readonly ingredients: ReadonlySet<string>;

  constructor(readonly file: ReleaseTypesFile) {
    this.words = wholeWords(file.longActing.words);
    this.brands = wholeWords(file.longActing.brands);
    this.ingredients = new Set(Object.keys(file.longActing.ingredients));
  }

  /** The product's release, from its text and its ingredients (candidate naming). */
  releaseOf(text: string, ingredients: readonly string[]): Release {
    if (ingredients.some((ingredient) => this.ingredients.has(ingredient))) return 'long-acting';
    return this.words.test(text) || this.brands.test(text) ? 'long-acting' : 'short-acting';
  }
}

export function loadReleaseTypes(file = DEFAULT_RELEASE_TYPES_FILE): ReleaseTypes {
  return new ReleaseTypes(validateReleaseTypes(readJsonFile(file, 'release-type table'), file));
}
