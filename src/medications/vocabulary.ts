/**
 * The medication vocabulary LAMO scores: the reviewed product → candidate map in
 * fhir-mappings/medications.json, with the normaliser as a fallback that may only land on a known candidate.
 */
import * as path from 'path';
import { knownSystem } from '../fhir/concepts';
import type { Concept } from '../fhir/types';
import { readJsonFile } from '../json-file';
import { FHIR_MAPPINGS_DIR } from '../paths';
import { normaliseProductName, ingredientsOf, type NameTables } from './normalise';
import type { Candidate, MedicationVocabulary, NormalisedDrug } from './types';

export const DEFAULT_MEDICATIONS_FILE = path.join(FHIR_MAPPINGS_DIR, 'medications.json');
export const DEFAULT_BRAND_TABLE_FILE = path.join(FHIR_MAPPINGS_DIR, 'brand-ingredients.json');

/** One product (RxNorm code) as reviewed: its candidate, or null with the reason it is not covered. */
export interface ProductMapping {
  display: string;
  candidate: string | null;
  reason?: string;
}

/** The shape of fhir-mappings/medications.json. */
export interface MedicationMapFile {
  source: string;
  candidates: Candidate[];
  products: Record<string, ProductMapping>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks the map's shape and its internal consistency (every product points at a listed candidate). */
export function validateMedicationMap(value: unknown, file = 'medications.json'): MedicationMapFile {
  if (!isRecord(value) || !Array.isArray(value.candidates) || !isRecord(value.products)) {
    throw new Error(`${file}: expected { source, candidates: [...], products: {...} }`);
  }
  const names = new Set<string>();
  for (const candidate of value.candidates as unknown[]) {
    if (!isRecord(candidate) || typeof candidate.name !== 'string' || !Array.isArray(candidate.rxnorm)) {
      throw new Error(`${file}: every candidate needs a name and an rxnorm list`);
    }
    if (names.has(candidate.name)) throw new Error(`${file}: candidate "${candidate.name}" is listed twice`);
    names.add(candidate.name);
  }
  for (const [code, product] of Object.entries(value.products)) {
    if (!isRecord(product) || typeof product.display !== 'string') throw new Error(`${file}: product ${code} needs a display`);
    if (product.candidate === null) {
      if (typeof product.reason !== 'string' || !product.reason) throw new Error(`${file}: product ${code} is not covered but gives no reason`);
    } else if (typeof product.candidate !== 'string' || !names.has(product.candidate)) {
      throw new Error(`${file}: product ${code} points at unknown candidate ${JSON.stringify(product.candidate)}`);
    }
  }
  return value as unknown as MedicationMapFile;
}

export function loadNameTables(file = DEFAULT_BRAND_TABLE_FILE): NameTables {
  const value = readJsonFile(file, 'brand/ingredient name table');
  if (!isRecord(value) || !isRecord(value.spellings) || !isRecord(value.brands) || !isRecord(value.ingredientNames)) {
    throw new Error(`${file}: expected spellings, brands and ingredientNames objects`);
  }
  return value as unknown as NameTables;
}

function isRxnorm(system: string | undefined): boolean {
  return knownSystem(system) === 'rxnorm';
}

export class MappedVocabulary implements MedicationVocabulary {
  readonly candidates: Candidate[];
  private readonly byCandidateName: Map<string, Candidate>;
  private readonly products: Record<string, ProductMapping>;

  constructor(map: MedicationMapFile, private readonly tables: NameTables) {
    this.candidates = map.candidates;
    this.products = map.products;
    this.byCandidateName = new Map(map.candidates.map((candidate) => [candidate.name, candidate]));
  }

  byName(name: string): Candidate | undefined {
    return this.byCandidateName.get(name);
  }

  normalise(concept: Concept): NormalisedDrug {
    // 1. A reviewed product decides, whether it maps to a candidate or was reviewed as not covered.
    for (const coding of concept.codings) {
      const code = coding.code?.trim();
      if (!code || !isRxnorm(coding.system)) continue;
      const product = Object.prototype.hasOwnProperty.call(this.products, code) ? this.products[code] : undefined;
      if (!product) continue;
      if (product.candidate === null) return { covered: false, reason: product.reason ?? `RxNorm ${code} is not covered` };
      return { covered: true, candidate: product.candidate, ingredients: ingredientsOf(product.candidate) };
    }
    // 2. Otherwise the normaliser on the text, accepted only when it names an existing candidate: a new
    //    strength or pack of a known drug is covered, anything else is not (never a nearest guess).
    const texts = [concept.display, ...concept.codings.map((coding) => coding.display)].filter(
      (text): text is string => typeof text === 'string' && text.trim() !== '',
    );
    let lastReason = 'no drug text to normalise';
    for (const text of new Set(texts)) {
      const result = normaliseProductName(text, { tables: this.tables });
      if (!result.covered) {
        lastReason = result.reason;
        continue;
      }
      if (this.byCandidateName.has(result.candidate)) return result;
      lastReason = `"${result.candidate}" (from "${text}") is not a candidate of the vocabulary`;
    }
    return { covered: false, reason: lastReason };
  }
}

/** Loads the reviewed map (and the name tables the fallback normaliser needs). Throws a clear error on bad files. */
export function loadVocabulary(file = DEFAULT_MEDICATIONS_FILE, tablesFile = DEFAULT_BRAND_TABLE_FILE): MedicationVocabulary {
  const map = validateMedicationMap(readJsonFile(file, 'medication map'), file);
  return new MappedVocabulary(map, loadNameTables(tablesFile));
}
