/**
 * The drug catalogue (contract A): any product in an order resolves to its ingredients and their WHO ATC
 * codes, whether or not the LAMO model scores it — from its RxNorm code where the catalogue knows the
 * product, else from its display text against the catalogue's ingredient names (WHO INNs under their US
 * names, plus synonyms). Never a guessed code: an ingredient the catalogue does not hold is reported with
 * `known: false` and no classes.
 *
 * The catalogue (fhir-mappings/drug-catalogue.json) is built by scripts/build-drug-catalogue.ts from the
 * shared data's products, the WHO ATC file and the reviewed fhir-mappings/drug-catalogue-review.json.
 */
import * as path from 'path';
import { knownSystem } from '../fhir/concepts';
import type { Concept } from '../fhir/types';
import { readJsonFile } from '../json-file';
import { FHIR_MAPPINGS_DIR } from '../paths';
import { candidateName, ingredientsOf, normaliseProductName, type NameTables } from './normalise';
import type { MedicationVocabulary } from './types';
import { loadNameTables } from './vocabulary';

/** Where a drug acts, as read from its dose form: ATC codes are chosen by route (oral vs eye-drop timolol). */
export type DrugRoute = 'systemic' | 'ophthalmic' | 'otic' | 'nasal' | 'inhaled' | 'topical' | 'vaginal';

export interface CatalogueIngredient {
  /** Every WHO level-5 code of the substance (all routes). Empty for a reviewed substance WHO lacks. */
  atc: string[];
  /** Reviewed preference among them (kept when it survives the route filter). */
  preferred?: string[];
  /** The WHO name when it differs from the US name ("paracetamol" for acetaminophen). */
  inn?: string;
  /** Why it is in the catalogue: "data:<population>", "class:<ATC group>", "reviewed". */
  sources: string[];
}

export interface CatalogueProduct {
  display: string;
  ingredients: string[];
  route: DrugRoute;
  /** The product's combination code (if WHO has one) and each ingredient's codes for its route. */
  atc: string[];
  /** Where the code was seen: "data:<population>", "pddi-cds" (an HL7 PDDI-CDS value set). */
  sources: string[];
}

export interface RouteRule {
  route: DrugRoute;
  words: string[];
  /** ATC prefixes a product of this route keeps (when any of the ingredient's codes match). */
  keep: string[];
}

export interface DrugCatalogueFile {
  description: string;
  attribution: string;
  review: string;
  ingredients: Record<string, CatalogueIngredient>;
  /** Other names (INN, abbreviations, spellings) → the catalogue's ingredient name. */
  synonyms: Record<string, string>;
  /** Candidate-style combination name → WHO combination code(s). */
  combinations: Record<string, string[]>;
  /** RxNorm code → product: every product of the shared data and of the PDDI-CDS drug value sets. */
  products: Record<string, CatalogueProduct>;
  routes: { local: RouteRule[]; systemicDrop: string[] };
  /** ATC group code (levels 1–4, those used) → WHO class name. */
  names: Record<string, string>;
  /** Name-table additions for the normaliser (brands, spellings, qualified names). */
  nameTables: NameTables;
}

/** A product as the catalogue resolves it (contract A). */
export interface ResolvedDrug {
  /** Candidate-style: lower-case ingredients, salts removed, sorted, joined ' / ' (the display if none read). */
  name: string;
  ingredients: string[];
  /** The product's combination code and each ingredient's codes, deduplicated and sorted. */
  atc: string[];
  /** Every ingredient is in the catalogue (so its classes are known). */
  known: boolean;
  /** The model vocabulary's candidate, when the model scores this drug. */
  candidate?: string;
  route: DrugRoute;
  /** How it was resolved: the catalogue's RxNorm product, the display text, or not at all. */
  via: 'rxnorm' | 'text' | 'none';
}

export const DEFAULT_DRUG_CATALOGUE_FILE = path.join(FHIR_MAPPINGS_DIR, 'drug-catalogue.json');

function words(text: string): string[] {
  return text.toLowerCase().split(/[^a-z]+/).filter(Boolean);
}

/** The route a display names by its dose-form words (systemic when it names none). */
export function routeOf(display: string, rules: readonly RouteRule[]): DrugRoute {
  const present = new Set(words(display));
  return rules.find((rule) => rule.words.some((word) => present.has(word)))?.route ?? 'systemic';
}

/**
 * The codes of one ingredient for a route: the route's groups when any code is in them (else all codes,
 * since a substance WHO lists under local codes only still needs a class), then the reviewed preference
 * when it survives.
 */
export function ingredientCodes(entry: CatalogueIngredient, route: DrugRoute, routes: DrugCatalogueFile['routes']): string[] {
  const local = routes.local.find((rule) => rule.route === route);
  const onRoute = local
    ? entry.atc.filter((code) => local.keep.some((prefix) => code.startsWith(prefix)))
    : entry.atc.filter((code) => !routes.systemicDrop.some((prefix) => code.startsWith(prefix)));
  const kept = onRoute.length > 0 ? onRoute : entry.atc;
  const preferred = kept.filter((code) => entry.preferred?.includes(code));
  return preferred.length > 0 ? preferred : kept;
}

export class DrugCatalogue {
  private readonly tables: NameTables;

  constructor(
    readonly file: DrugCatalogueFile,
    baseTables: NameTables,
    private readonly vocabulary?: MedicationVocabulary,
  ) {
    // The catalogue's own reviewed names extend the shared normaliser tables (its entries win).
    this.tables = {
      spellings: { ...baseTables.spellings, ...file.nameTables.spellings },
      brands: { ...baseTables.brands, ...file.nameTables.brands },
      ingredientNames: { ...baseTables.ingredientNames, ...file.nameTables.ingredientNames },
    };
  }

  /** The catalogue's name of an ingredient written any known way ("paracetamol" → "acetaminophen"). */
  canonical(ingredient: string): string {
    const lower = ingredient.toLowerCase().trim();
    return this.file.synonyms[lower] ?? lower;
  }

  has(ingredient: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.file.ingredients, this.canonical(ingredient));
  }

  ingredient(name: string): CatalogueIngredient | undefined {
    const key = this.canonical(name);
    return Object.prototype.hasOwnProperty.call(this.file.ingredients, key) ? this.file.ingredients[key] : undefined;
  }

  /** The WHO name of an ATC code of any level the catalogue uses ("C10AA" → "HMG CoA reductase inhibitors"). */
  className(code: string): string | undefined {
    return this.file.names[code];
  }

  /** The codes of a set of ingredients taken by one route, with the combination's own code. */
  codesOf(ingredients: readonly string[], route: DrugRoute = 'systemic'): string[] {
    const codes = new Set<string>(ingredients.length > 1 ? this.file.combinations[candidateName(ingredients)] ?? [] : []);
    for (const ingredient of ingredients) {
      const entry = this.ingredient(ingredient);
      if (entry) for (const code of ingredientCodes(entry, route, this.file.routes)) codes.add(code);
    }
    return [...codes].sort();
  }

  /** A drug given by name ("acetaminophen / oxycodone", a LAMO candidate, or one ingredient). */
  resolveName(name: string, route: DrugRoute = 'systemic'): ResolvedDrug {
    const ingredients = [...new Set(ingredientsOf(name.toLowerCase()).map((ingredient) => this.canonical(ingredient)))].sort();
    const candidate = this.vocabulary?.byName(name) ? name : undefined;
    return {
      name: ingredients.length > 0 ? candidateName(ingredients) : name,
      ingredients,
      atc: this.codesOf(ingredients, route),
      known: ingredients.length > 0 && ingredients.every((ingredient) => this.has(ingredient)),
      ...(candidate ? { candidate } : {}),
      route,
      via: ingredients.length > 0 ? 'text' : 'none',
    };
  }

  /** Contract A: a product concept (RxNorm code first, then its display texts) resolved to ingredients and classes. */
  resolveDrug(concept: Concept): ResolvedDrug {
    const modelView = this.vocabulary?.normalise(concept);
    const candidate = modelView?.covered ? { candidate: modelView.candidate } : {};
    for (const coding of concept.codings) {
      const code = coding.code?.trim();
      if (!code || knownSystem(coding.system) !== 'rxnorm' || !Object.prototype.hasOwnProperty.call(this.file.products, code)) continue;
      const product = this.file.products[code];
      return { name: candidateName(product.ingredients), ingredients: [...product.ingredients], atc: [...product.atc], known: true, ...candidate, route: product.route, via: 'rxnorm' };
    }
    const texts = [concept.display, ...concept.codings.map((coding) => coding.display)].filter((text): text is string => typeof text === 'string' && text.trim() !== '');
    let unverified: { text: string; ingredients: string[] } | undefined;
    for (const text of new Set(texts)) {
      const route = routeOf(text, this.file.routes.local);
      const known = normaliseProductName(text, { tables: this.tables, isKnownIngredient: (ingredient) => this.has(ingredient) });
      if (known.covered) {
        const ingredients = [...new Set(known.ingredients.map((ingredient) => this.canonical(ingredient)))].sort();
        return { name: candidateName(ingredients), ingredients, atc: this.codesOf(ingredients, route), known: true, ...candidate, route, via: 'text' };
      }
      const read = normaliseProductName(text, { tables: this.tables });
      if (read.covered && !unverified) unverified = { text, ingredients: read.ingredients.map((ingredient) => this.canonical(ingredient)) };
    }
    if (unverified) {
      // Read from the text but not all in the catalogue: the checks still meet it by ingredient name, and
      // its known ingredients keep their classes.
      const ingredients = [...new Set(unverified.ingredients)].sort();
      const route = routeOf(unverified.text, this.file.routes.local);
      return { name: candidateName(ingredients), ingredients, atc: this.codesOf(ingredients, route), known: false, ...candidate, route, via: 'text' };
    }
    return { name: concept.display, ingredients: [], atc: [], known: false, ...candidate, route: 'systemic', via: 'none' };
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks the built file's shape; a broken catalogue stops the service at start-up with its file name. */
export function validateDrugCatalogue(value: unknown, file = DEFAULT_DRUG_CATALOGUE_FILE): DrugCatalogueFile {
  if (!isRecord(value) || !isRecord(value.ingredients) || !isRecord(value.products) || !isRecord(value.synonyms) || !isRecord(value.names)) {
    throw new Error(`${file}: expected ingredients, products, synonyms and names objects`);
  }
  if (!isRecord(value.routes) || !Array.isArray(value.routes.local) || !Array.isArray(value.routes.systemicDrop) || !isRecord(value.nameTables)) {
    throw new Error(`${file}: expected routes { local, systemicDrop } and nameTables`);
  }
  for (const [name, entry] of Object.entries(value.ingredients)) {
    if (!isRecord(entry) || !Array.isArray(entry.atc) || !Array.isArray(entry.sources)) throw new Error(`${file}: ingredient "${name}" needs atc and sources lists`);
  }
  for (const [code, product] of Object.entries(value.products)) {
    if (!isRecord(product) || !Array.isArray(product.ingredients) || !Array.isArray(product.atc)) throw new Error(`${file}: product ${code} needs ingredients and atc lists`);
    for (const ingredient of product.ingredients as unknown[]) {
      if (typeof ingredient !== 'string' || !Object.prototype.hasOwnProperty.call(value.ingredients, ingredient)) {
        throw new Error(`${file}: product ${code} names ingredient ${JSON.stringify(ingredient)}, which the catalogue does not hold`);
      }
    }
  }
  return value as unknown as DrugCatalogueFile;
}

export function loadDrugCatalogue(options: { file?: string; nameTables?: NameTables; vocabulary?: MedicationVocabulary } = {}): DrugCatalogue {
  const file = options.file ?? DEFAULT_DRUG_CATALOGUE_FILE;
  return new DrugCatalogue(validateDrugCatalogue(readJsonFile(file, 'drug catalogue'), file), options.nameTables ?? loadNameTables(), options.vocabulary);
}

let defaultCatalogue: DrugCatalogue | undefined;

/** The shipped catalogue without the model's vocabulary (name lookups: the evaluation's DDI rate), loaded once. */
export function defaultDrugCatalogue(): DrugCatalogue {
  defaultCatalogue ??= loadDrugCatalogue();
  return defaultCatalogue;
}
