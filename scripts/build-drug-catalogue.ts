/**
 * Builds fhir-mappings/drug-catalogue.json (contract A) from
 *  - every RxNorm product of the MedicationRequests and Medications of the four shared populations
 *    (../shared/data: product code, display → ingredients through src/medications/normalise.ts),
 *  - the WHO ATC/DDD file (../shared/reference/who-atc-ddd.csv): the level-5 substances of the groups the
 *    review names (the classes the interaction rules use) and the codes of every data ingredient, and
 *  - the reviewed inputs fhir-mappings/drug-catalogue-review.json and atc-review.json.
 *
 *   npm run build && node dist/scripts/build-drug-catalogue.js
 *
 * Only the subset of WHO codes and names the catalogue needs is written, with the Centre's attribution. The
 * script stops with a list of problems (an ingredient WHO does not know and the review does not list, a
 * review entry naming a code the WHO file lacks) instead of writing a guess.
 */
import { writeFileSync } from 'fs';
import * as path from 'path';
import type { CodeableConcept, Medication, MedicationRequest, Resource } from 'fhir/r4';
import { knownSystem } from '../src/fhir/concepts';
import { loadResources } from '../src/fhir/load';
import { readJsonFile } from '../src/json-file';
import {
  DEFAULT_DRUG_CATALOGUE_FILE,
  ingredientCodes,
  routeOf,
  type CatalogueIngredient,
  type CatalogueProduct,
  type DrugCatalogueFile,
  type RouteRule,
} from '../src/medications/drug-catalogue';
import { candidateName, normaliseProductName, type NameTables } from '../src/medications/normalise';
import { loadNameTables } from '../src/medications/vocabulary';
import { FHIR_MAPPINGS_DIR, SHARED_DIR } from '../src/paths';
import { loadValueSets } from './build-interactions';
import { combinationCodes, loadAtcReview, loadWhoAtc, WHO_ATTRIBUTION, type AtcReview, type WhoAtc } from './build-atc-table';

export const CATALOGUE_REVIEW_FILE = path.join(FHIR_MAPPINGS_DIR, 'drug-catalogue-review.json');
const POPULATIONS = ['synthea-r4-615', 'synthea-stu3-1461', 'synthea-qicore-177', 'synthea-bulk-10'];
const INGREDIENT_TEXT = /^[a-z][a-z0-9' -]*[a-z0-9]$/;

export interface CatalogueReview {
  description: string;
  review: string;
  groups: { atc: string; why: string }[];
  usNames: Record<string, string>;
  synonyms: Record<string, string>;
  ingredientsWithoutCode: Record<string, string>;
  preferredCodes: Record<string, { atc: string[]; why: string }>;
  /** RxNorm code → the display that names it, where the data gives one code to different products. */
  productDisplays: Record<string, { display: string; why: string }>;
  routes: { description: string; local: RouteRule[]; systemicDrop: string[] };
  nameTables: NameTables;
}

export function loadCatalogueReview(file = CATALOGUE_REVIEW_FILE): CatalogueReview {
  const review = readJsonFile(file, 'drug catalogue review') as CatalogueReview;
  if (!Array.isArray(review?.groups) || !review.usNames || !review.preferredCodes || !review.productDisplays || !review.routes || !review.nameTables) {
    throw new Error(`${file}: expected groups, usNames, preferredCodes, routes and nameTables`);
  }
  return review;
}

/** One distinct RxNorm product of the data: its displays and the populations it occurs in. */
export interface DataProduct {
  displays: string[];
  populations: Set<string>;
}

function addCodings(products: Map<string, DataProduct>, concept: CodeableConcept | undefined, population: string): void {
  for (const coding of concept?.coding ?? []) {
    const code = coding.code?.trim();
    if (!code || knownSystem(coding.system) !== 'rxnorm') continue;
    const product = products.get(code) ?? { displays: [], populations: new Set<string>() };
    const display = (coding.display ?? concept?.text ?? '').trim();
    if (display && !product.displays.includes(display)) product.displays.push(display);
    product.populations.add(population);
    products.set(code, product);
  }
}

/** The RxNorm products of the HL7 PDDI-CDS drug value sets (CC0): real product codes beyond the data's. */
export function valueSetProducts(): Map<string, DataProduct> {
  const products = new Map<string, DataProduct>();
  for (const set of loadValueSets().values()) {
    for (const concept of set.concepts) {
      if (knownSystem(concept.system) !== 'rxnorm' || !concept.display) continue;
      const product = products.get(concept.code) ?? { displays: [], populations: new Set<string>() };
      if (!product.displays.includes(concept.display)) product.displays.push(concept.display);
      product.populations.add('pddi-cds');
      products.set(concept.code, product);
    }
  }
  return products;
}

export async function collectDataProducts(): Promise<Map<string, DataProduct>> {
  const products = new Map<string, DataProduct>();
  for (const population of POPULATIONS) {
    const { resources } = await loadResources(path.join(SHARED_DIR, 'data', population), { keepTypes: new Set(['MedicationRequest', 'Medication']) });
    for (const resource of resources as Resource[]) {
      if (resource.resourceType === 'MedicationRequest') addCodings(products, (resource as MedicationRequest).medicationCodeableConcept, population);
      else if (resource.resourceType === 'Medication') addCodings(products, (resource as Medication).code, population);
    }
  }
  return products;
}

/** WHO substance name → the US name the catalogue keys it by. */
function usNameOf(whoName: string, review: CatalogueReview, innToUs: Map<string, string>): string {
  const lower = whoName.toLowerCase();
  return review.usNames[lower] ?? innToUs.get(lower) ?? lower;
}

interface Builder {
  ingredients: Record<string, CatalogueIngredient>;
  problems: string[];
}

function addIngredient(builder: Builder, name: string, inn: string, who: WhoAtc, source: string, review: CatalogueReview, atcReview: AtcReview): void {
  const existing = builder.ingredients[name];
  if (existing) {
    if (!existing.sources.includes(source)) existing.sources.push(source);
    return;
  }
  const codes = [...(who.codesByName.get(inn) ?? [])].sort();
  // A substance WHO names only inside a combination ("norgestimate and ethinylestradiol") is known, without a code of its own.
  const known = who.substances.has(inn) || name in review.ingredientsWithoutCode || name in atcReview.knownIngredients;
  if (!known) {
    builder.problems.push(`ingredient "${name}" (${source}) is not a WHO substance: add it to ingredientsWithoutCode or a synonym in drug-catalogue-review.json`);
    return;
  }
  const preferred = review.preferredCodes[name]?.atc ?? (atcReview.choices[name]?.atc ? [atcReview.choices[name].atc as string] : undefined);
  for (const code of preferred ?? []) if (!who.names.has(code)) builder.problems.push(`preferred code ${code} of "${name}" is not in the WHO file`);
  builder.ingredients[name] = { atc: codes, ...(preferred ? { preferred } : {}), ...(inn !== name ? { inn } : {}), sources: [source] };
}

/** The catalogue from the data products, the WHO file and the reviews (what main() writes). */
export function buildDrugCatalogue(dataProducts: Map<string, DataProduct>, who: WhoAtc, atcReview: AtcReview, review: CatalogueReview, baseTables: NameTables): { file: DrugCatalogueFile; problems: string[]; skippedValueSetProducts: number } {
  const innToUs = new Map<string, string>();
  for (const [us, inn] of Object.entries(atcReview.innSynonyms)) {
    // Two US names for one INN ("insulin (human)") cannot be reversed: such names come from the data only.
    innToUs.set(inn, innToUs.has(inn) ? '' : us);
  }
  for (const [inn, us] of [...innToUs]) if (!us) innToUs.delete(inn);
  const usToInn = new Map<string, string>();
  for (const [whoName, us] of Object.entries(review.usNames)) usToInn.set(us, whoName);
  for (const [us, inn] of Object.entries(atcReview.innSynonyms)) if (!usToInn.has(us)) usToInn.set(us, inn);
  const innOf = (name: string) => usToInn.get(name) ?? name;

  const builder: Builder = { ingredients: {}, problems: [] };
  // 1. The classes the rules name: every single-substance level-5 code under each reviewed group.
  for (const group of review.groups) {
    if (!who.names.has(group.atc)) builder.problems.push(`group ${group.atc} is not in the WHO file`);
    for (const [code, whoName] of who.names) {
      if (code.length !== 7 || !code.startsWith(group.atc)) continue;
      const lower = whoName.toLowerCase();
      if (/,| and |combination|various/.test(lower)) continue;
      const name = usNameOf(lower, review, innToUs);
      if (!INGREDIENT_TEXT.test(name)) continue;
      addIngredient(builder, name, lower, who, `class:${group.atc}`, review, atcReview);
    }
  }
  for (const name of Object.keys(review.ingredientsWithoutCode)) addIngredient(builder, name, innOf(name), who, 'reviewed', review, atcReview);

  // 2. The data's products and their ingredients.
  const tables: NameTables = {
    spellings: { ...baseTables.spellings, ...review.nameTables.spellings },
    brands: { ...baseTables.brands, ...review.nameTables.brands },
    ingredientNames: { ...baseTables.ingredientNames, ...review.nameTables.ingredientNames },
  };
  const synonyms: Record<string, string> = {};
  for (const [whoName, us] of Object.entries(review.usNames)) if (whoName !== us) synonyms[whoName] = us;
  for (const [us, inn] of Object.entries(atcReview.innSynonyms)) if (innToUs.get(inn) === us && inn !== us) synonyms[inn] = us;
  Object.assign(synonyms, review.synonyms);
  const canonical = (name: string) => synonyms[name] ?? name;
  const reviewedSynonyms = new Set(Object.keys(review.synonyms));

  const products: Record<string, CatalogueProduct> = {};
  let skippedValueSetProducts = 0;
  const combinations: Record<string, string[]> = {};
  for (const code of [...dataProducts.keys()].sort((a, b) => Number(a) - Number(b) || a.localeCompare(b))) {
    const product = dataProducts.get(code) as DataProduct;
    // A code the generator gave to two different products: the review says which display is the code's.
    const chosen = review.productDisplays[code]?.display;
    const displays = chosen ? [chosen] : product.displays;
    const fromValueSetOnly = product.populations.size === 1 && product.populations.has('pddi-cds');
    const results = displays.map((display) => normaliseProductName(display, { tables }));
    const names = new Set(results.map((result) => (result.covered ? candidateName(result.ingredients.map(canonical)) : '')));
    const first = results[0];
    if (fromValueSetOnly) {
      // A value set also lists ingredients, brand names, dose-form groups and packs: only orderable products
      // (with a strength) that read as catalogue ingredients are taken; the rest is found by its text at run time.
      const orderable = /\d/.test(displays[0]) && !displays[0].includes('{');
      const readable = orderable && first?.covered && names.size === 1 && first.ingredients.every((ingredient) => builder.ingredients[canonical(ingredient)]);
      if (!readable) {
        skippedValueSetProducts += 1;
        continue;
      }
    }
    if (!first?.covered) {
      builder.problems.push(`RxNorm ${code} "${product.displays[0]}": ${first ? first.reason : 'no display'}`);
      continue;
    }
    if (names.size > 1) builder.problems.push(`RxNorm ${code}: its displays name different ingredients (${product.displays.join(' | ')}): choose one in productDisplays`);
    const ingredients = [...new Set(first.ingredients.map(canonical))].sort();
    const sources = [...product.populations].map((population) => (population === 'pddi-cds' ? 'pddi-cds' : `data:${population}`)).sort();
    for (const source of sources) for (const ingredient of ingredients) addIngredient(builder, ingredient, innOf(ingredient), who, source, review, atcReview);
    if (ingredients.some((ingredient) => !builder.ingredients[ingredient])) continue;
    const route = routeOf(displays[0], review.routes.local);
    const own: string[] = [];
    if (ingredients.length > 1) {
      const name = candidateName(ingredients);
      const choice = atcReview.choices[name];
      const found = choice ? (choice.atc ? [choice.atc] : []) : combinationCodes(ingredients.map(innOf), who);
      if (found.length > 1) builder.problems.push(`"${name}" matches several WHO combination codes (${found.join(', ')}): choose one in atc-review.json`);
      if (found.length === 1) combinations[name] = found;
      own.push(...found.slice(0, 1));
    }
    const atc = new Set(own);
    for (const ingredient of ingredients) for (const atcCode of ingredientCodes(builder.ingredients[ingredient], route, review.routes)) atc.add(atcCode);
    products[code] = { display: displays[0], ingredients, route, atc: [...atc].sort(), sources };
  }
  for (const [alias, target] of Object.entries(synonyms)) {
    if (builder.ingredients[target] || target.includes(' / ')) continue;
    // A US name for a WHO substance outside the catalogue's groups is simply not needed; a reviewed synonym must land.
    if (reviewedSynonyms.has(alias)) builder.problems.push(`synonym "${alias}" points at "${target}", which the catalogue does not hold`);
    delete synonyms[alias];
  }

  // 3. The WHO names of every code used, and of its level 1–4 groups (the class names cards show).
  const names: Record<string, string> = {};
  const used = [...Object.values(builder.ingredients).flatMap((entry) => entry.atc), ...Object.values(combinations).flat()];
  for (const code of used) {
    // Class names only (levels 1–4): substance names are the ingredients' own.
    for (const length of [1, 3, 4, 5]) {
      const prefix = code.slice(0, length);
      if (prefix.length === length && who.names.has(prefix)) names[prefix] = who.names.get(prefix) as string;
    }
  }
  const sortedIngredients = Object.fromEntries(Object.entries(builder.ingredients).sort(([a], [b]) => a.localeCompare(b)));
  const sortedNames = Object.fromEntries(Object.entries(names).sort(([a], [b]) => a.localeCompare(b)));
  return {
    file: {
      description:
        'Drug catalogue (contract A): every ingredient of the shared data\'s products and of the WHO ATC groups the interaction rules name, ' +
        'under US (RxNorm) names with their WHO ATC codes; every RxNorm product of the four shared populations, and the orderable products of the ' +
        'HL7 PDDI-CDS drug value sets (CC0), with its ingredients, route and codes. Built by scripts/build-drug-catalogue.ts from ../shared/data, ' +
        '../shared/reference (who-atc-ddd.csv, pddi-cds) and fhir-mappings/drug-catalogue-review.json.',
      attribution: WHO_ATTRIBUTION,
      review: review.review,
      ingredients: sortedIngredients,
      synonyms: Object.fromEntries(Object.entries(synonyms).sort(([a], [b]) => a.localeCompare(b))),
      combinations,
      products,
      routes: { local: review.routes.local, systemicDrop: review.routes.systemicDrop },
      names: sortedNames,
      nameTables: review.nameTables,
    },
    problems: builder.problems,
    skippedValueSetProducts,
  };
}

/** Pretty at the top, one line per ingredient and product: a reviewable diff without a megabyte of indentation. */
export function formatCatalogue(file: DrugCatalogueFile): string {
  const lines = ['{'];
  const keys = Object.keys(file) as (keyof DrugCatalogueFile)[];
  keys.forEach((key, i) => {
    const value = file[key];
    const comma = i < keys.length - 1 ? ',' : '';
    if (key === 'ingredients' || key === 'products') {
      const entries = Object.entries(value as Record<string, unknown>).map(([name, entry]) => `    ${JSON.stringify(name)}: ${JSON.stringify(entry)}`);
      lines.push(`  ${JSON.stringify(key)}: {`, entries.join(',\n'), `  }${comma}`);
    } else {
      lines.push(`  ${JSON.stringify(key)}: ${JSON.stringify(value, null, 2).replace(/\n/g, '\n  ')}${comma}`);
    }
  });
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const products = await collectDataProducts();
  for (const [code, product] of valueSetProducts()) if (!products.has(code)) products.set(code, product);
  const { file, problems, skippedValueSetProducts } = buildDrugCatalogue(products, loadWhoAtc(), loadAtcReview(), loadCatalogueReview(), loadNameTables());
  if (problems.length > 0) {
    process.stderr.write(`${problems.map((problem) => `problem: ${problem}`).join('\n')}\n`);
    process.exitCode = 1;
    return;
  }
  writeFileSync(DEFAULT_DRUG_CATALOGUE_FILE, formatCatalogue(file));
  const fromData = Object.values(file.ingredients).filter((entry) => entry.sources.some((source) => source.startsWith('data:'))).length;
  process.stdout.write(
    `drug-catalogue.json: ${Object.keys(file.ingredients).length} ingredients (${fromData} from the data), ` +
      `${Object.keys(file.products).length} products (${skippedValueSetProducts} PDDI-CDS value-set entries not read as catalogue ingredients), ` +
      `${Object.keys(file.synonyms).length} synonyms, ${Object.keys(file.names).length} ATC class names\n`,
  );
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`build-drug-catalogue: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
