/**
 * The product-name normaliser: an RxNorm product display ("Acetaminophen 325 MG / Oxycodone Hydrochloride
 * 5 MG Oral Tablet") to LAMO's ingredient-level candidate name ("acetaminophen / oxycodone").
 *
 * Pure: the name tables it needs (brands, misspellings, qualified ingredient names) are passed in, normally
 * from fhir-mappings/brand-ingredients.json. It proposes; fhir-mappings/medications.json (reviewed) decides.
 */
import type { NormalisedDrug } from './types';

export interface NameTables {
  /** Whole-word spelling fixes applied to the lower-cased display first, e.g. "simvistatin" → "simvastatin". */
  spellings: Record<string, string>;
  /** Brand or pack name left after stripping → its ingredients, e.g. "camila" → ["norethindrone"]. */
  brands: Record<string, string[]>;
  /** RxNorm's comma-qualified ingredient names → the ingredient, e.g. "heparin sodium, porcine" → "heparin". */
  ingredientNames: Record<string, string>;
}

export interface NormaliseOptions {
  tables: NameTables;
  /** Where given, every ingredient must pass it (e.g. "is a WHO ATC substance"), else "not covered". */
  isKnownIngredient?: (ingredient: string) => boolean;
}

/** Units of strengths and quantities as RxNorm writes them (also denominators: MG/ML, MG/ACTUAT, UNT/ML). */
const UNIT = '(?:mg|mcg|µg|ug|g|kg|ml|l|unt|units?|iu|meq|mmol|actuat|hr|hrs|hour|day|%)';
const NUMBER = '\\d+(?:\\.\\d+)?(?:[/+]\\d+(?:\\.\\d+)?)*';
/** "325 MG", "0.044 MG/ACTUAT", "120 ACTUAT", "24hr", "28 Day", "0.12/0.015 MG", "100MG". */
const QUANTITY = new RegExp(`(?<![a-z0-9.])${NUMBER}\\s*${UNIT}(?:/${UNIT})*(?![a-z0-9])`, 'g');
/** Numbers left without a unit: "Levora 0.15/30", "Norinyl 1+50". A letter before the digits ("b12") keeps them. */
const BARE_NUMBER = new RegExp(`(?<![a-z0-9.])${NUMBER}(?![a-z0-9])`, 'g');
/** FDA application numbers RxNorm puts before branded packs: "NDA020800", "ANDA076543", "BLA125057". */
const APPLICATION_NUMBER = /\b(?:nda|anda|bla)\s?\d{4,}\b/g;
/** "[Humulin]", "[Tegretol]": the brand of a product whose display already names its ingredients. */
const BRACKETED = /\[[^\]]*\]/g;

/** Words of dose forms, release mechanisms and packaging; none is part of an ingredient name. */
const DOSE_FORM_WORDS = new Set([
  'abuse-deterrent', 'actuation', 'applicator', 'auto-injector', 'bar', 'buccal', 'caplet', 'capsule', 'capsules',
  'cartridge', 'chewable', 'chewing', 'coated', 'cream', 'delayed', 'disintegrating', 'dose', 'drops', 'drug', 'dry',
  'elixir', 'emulsion', 'enema', 'enteric', 'extended', 'film', 'foam', 'gel', 'granules', 'gum', 'implant',
  'inhalant', 'inhalation', 'inhaler', 'injectable', 'injection', 'injector', 'intrauterine', 'intravenous', 'kit',
  'lotion', 'lozenge', 'medicated', 'metered', 'mucosal', 'nasal', 'ointment', 'ophthalmic', 'oral', 'otic',
  'pack', 'packet', 'paste', 'patch', 'pen', 'per', 'powder', 'prefilled', 'product', 'rectal', 'release',
  'ring', 'shampoo', 'solution', 'spray', 'sublingual', 'suppository', 'suspension', 'syringe', 'syrup',
  'system', 'tablet', 'tablets', 'topical', 'transdermal', 'vaginal', 'weekly',
]);

/** Salt and hydrate words that follow the active moiety: "Oxycodone Hydrochloride" → "oxycodone". */
const SALT_WORDS = new Set([
  'acetate', 'anhydrous', 'besylate', 'bitartrate', 'bromide', 'calcium', 'carbonate', 'chloride', 'citrate',
  'cypionate', 'decanoate', 'dihydrate', 'dipropionate', 'disodium', 'enanthate', 'fumarate', 'furoate',
  'gluconate', 'hemihydrate', 'hyclate', 'hydrobromide', 'hydrochloride', 'hydrate', 'lactate', 'magnesium',
  'maleate', 'malate', 'mesylate', 'monohydrate', 'nitrate', 'pamoate', 'phosphate', 'polacrilex', 'potassium', 'propionate',
  'sodium', 'succinate', 'sulfate', 'tartrate', 'tosylate', 'trihydrate', 'tromethamine', 'valerate', 'xinafoate',
]);

/** A salt whose "remainder" is only a cation is itself the drug: "sodium chloride", "ferrous sulfate". */
const CATION_WORDS = new Set(['aluminum', 'ammonium', 'calcium', 'ferric', 'ferrous', 'magnesium', 'potassium', 'silver', 'sodium', 'zinc']);

const INGREDIENT_TEXT = /^[a-z][a-z0-9' -]*[a-z0-9]$/;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function applySpellings(text: string, spellings: Record<string, string>): string {
  let fixed = text;
  // Longest first, so that a multi-word fix ("vitamin b 12") wins over a shorter one inside it.
  for (const wrong of Object.keys(spellings).sort((a, b) => b.length - a.length)) {
    fixed = fixed.replace(new RegExp(`(?<![a-z0-9])${escapeRegExp(wrong.toLowerCase())}(?![a-z0-9])`, 'g'), spellings[wrong]);
  }
  return fixed;
}

/**
 * An ingredient name at LAMO's level: lower case, single spaces, trailing salt/hydrate words removed unless
 * what remains is only a cation ("naproxen sodium" → "naproxen", "sodium chloride" stays).
 */
export function canonicalIngredient(name: string): string {
  const words = name.toLowerCase().replace(/\s+/g, ' ').trim().split(' ').filter(Boolean);
  let end = words.length;
  while (end > 1 && SALT_WORDS.has(words[end - 1])) {
    const remainder = words.slice(0, end - 1);
    if (remainder.every((word) => CATION_WORDS.has(word) || SALT_WORDS.has(word))) break;
    end -= 1;
  }
  return words.slice(0, end).join(' ');
}

/** Joins ingredients the way candidate names are written: sorted, " / " between them. */
export function candidateName(ingredients: readonly string[]): string {
  return [...new Set(ingredients)].sort().join(' / ');
}

/** The ingredients of a candidate name ("acetaminophen / oxycodone" → both). */
export function ingredientsOf(candidate: string): string[] {
  return candidate.split(' / ').map((part) => part.trim()).filter(Boolean);
}

function notCovered(reason: string): NormalisedDrug {
  return { covered: false, reason };
}

/** Removes strengths, quantities, dose forms and pack words, keeping the "/" that separates ingredients. */
function stripProductWords(lowered: string): string {
  return lowered
    .replace(BRACKETED, ' ')
    .replace(APPLICATION_NUMBER, ' ')
    .replace(QUANTITY, ' ')
    .replace(BARE_NUMBER, ' ')
    .split('/')
    .map((part) =>
      part
        .split(/\s+/)
        .filter((word) => word && !DOSE_FORM_WORDS.has(word))
        .join(' '),
    )
    .join('/');
}

/** Normalises a product display to its candidate name, or says why it cannot (never a guess). */
export function normaliseProductName(display: string, options: NormaliseOptions): NormalisedDrug {
  const { tables } = options;
  const lowered = applySpellings(display.toLowerCase().replace(/\s+/g, ' ').trim(), tables.spellings);
  if (!lowered) return notCovered('empty drug text');

  const components = stripProductWords(lowered)
    .split('/')
    .map((part) => part.replace(/\s+/g, ' ').replace(/^[\s,]+|[\s,]+$/g, ''))
    .filter(Boolean);
  if (components.length === 0) return notCovered(`no ingredient name left in "${display}" after removing strengths and dose forms`);

  const ingredients: string[] = [];
  for (const component of components) {
    const qualified = tables.ingredientNames[component];
    const brand = tables.brands[component];
    const named = qualified !== undefined ? [qualified] : brand !== undefined ? brand : [canonicalIngredient(component)];
    for (const ingredient of named) {
      if (!INGREDIENT_TEXT.test(ingredient)) {
        return notCovered(`"${component}" in "${display}" is not a recognisable ingredient name`);
      }
      if (options.isKnownIngredient && !options.isKnownIngredient(ingredient)) {
        return notCovered(`"${ingredient}" in "${display}" is not a known ingredient (an unlisted brand or misspelling?)`);
      }
      ingredients.push(ingredient);
    }
  }
  const sorted = [...new Set(ingredients)].sort();
  return { covered: true, candidate: candidateName(sorted), ingredients: sorted };
}
