/**
 * Drug allergy check: an AllergyIntolerance against a drug, by substance (the drug contains the allergen),
 * by class (penicillin allergy ↔ amoxicillin) and by cross-reactivity (penicillin ↔ cephalosporins),
 * with the classes and rules of fhir-mappings/allergy-classes.json.
 */
import * as path from 'path';
import { knownSystem } from '../fhir/concepts';
import { displayName } from '../fhir/display';
import type { AllergyEntry } from '../fhir/types';
import { readJsonFile } from '../json-file';
import { underAtcPrefix } from '../medications/atc';
import { canonicalIngredient } from '../medications/normalise';
import { FHIR_MAPPINGS_DIR } from '../paths';
import { shortCitation } from './citations';
import { drugRef, SEVERITY_ORDER, type AllergyFinding, type SafetyDrug, type Severity } from './types';

export interface AllergyClass {
  label: string;
  /** Words an allergy record may use for the whole class ("penicillins", "sulfa drugs"). */
  names: string[];
  ingredients: string[];
  /** ATC codes or code prefixes of the class (J01C: penicillins). */
  atcPrefixes: string[];
}

export interface AllergyRule {
  /** Stable id (a local override may name it). */
  id: string;
  allergyClass: string;
  drugClass: string;
  basis: 'class' | 'cross-reactivity';
  severity: Severity;
  rationale: string;
  /** Source identifiers (keys of the table's `sources`). */
  sources: string[];
  review: string;
}

export interface AllergyTable {
  description: string;
  /** Source id → the full reference, for reviewers (cards show the short form). */
  sources: Record<string, string>;
  /** Allergen codes → the ingredients they name, per code system. */
  substances: { rxnorm: Record<string, string[]>; snomed: Record<string, string[]> };
  classes: Record<string, AllergyClass>;
  rules: AllergyRule[];
}

export const DEFAULT_ALLERGY_TABLE_FILE = path.join(FHIR_MAPPINGS_DIR, 'allergy-classes.json');

/** The built-in rule "the drug contains the recorded allergen". */
export const ALLERGEN_SUBSTANCE = 'allergen-substance';

/** Every rule id (a local override may name them). */
export function allergyRuleIds(table: AllergyTable): string[] {
  return [ALLERGEN_SUBSTANCE, ...table.rules.map((rule) => rule.id)];
}

export function loadAllergyTable(file = DEFAULT_ALLERGY_TABLE_FILE): AllergyTable {
  const table = readJsonFile(file, 'allergy table') as Partial<AllergyTable>;
  if (!table || typeof table.classes !== 'object' || !Array.isArray(table.rules) || typeof table.substances !== 'object' || typeof table.sources !== 'object' || table.sources === null) {
    throw new Error(`${file} is not an allergy table (sources, substances, classes and rules expected)`);
  }
  const sources = table.sources;
  const ids = new Set<string>([ALLERGEN_SUBSTANCE]);
  for (const rule of table.rules) {
    if (typeof rule.id !== 'string' || ids.has(rule.id)) throw new Error(`${file}: every rule needs a unique id`);
    ids.add(rule.id);
    if (!table.classes[rule.allergyClass] || !table.classes[rule.drugClass]) throw new Error(`${file}: a rule names an unknown class`);
    if (!Array.isArray(rule.sources) || rule.sources.length === 0 || !rule.sources.every((id) => typeof id === 'string' && id in sources) || typeof rule.review !== 'string') {
      throw new Error(`${file}: rule ${rule.id} must cite sources listed in "sources" and say its review status`);
    }
  }
  return table as AllergyTable;
}

const IGNORED_CLINICAL_STATUS = new Set(['inactive', 'resolved']);
const IGNORED_VERIFICATION_STATUS = new Set(['refuted', 'entered-in-error']);

/** Whether an allergy record should be acted on: not inactive/resolved, not refuted/entered in error. */
export function isRelevantAllergy(allergy: AllergyEntry): boolean {
  const clinical = allergy.clinicalStatus?.trim().toLowerCase();
  const verification = allergy.verificationStatus?.trim().toLowerCase();
  return !(clinical && IGNORED_CLINICAL_STATUS.has(clinical)) && !(verification && IGNORED_VERIFICATION_STATUS.has(verification));
}

/** "Allergy to penicillin", "Penicillin V (substance)", "Sulfamethoxazole / Trimethoprim" → allergen names. */
function allergenNamesFromText(text: string): string[] {
  const cleaned = text
    .toLowerCase()
    .replace(/\((substance|disorder|finding|product|medicinal product|organism)\)/g, ' ')
    .replace(/^\s*(history of\s+)?(allergy|allergic reaction|hypersensitivity|intolerance)\s+(to|of)\s+/, '')
    .replace(/\s+(allergy|intolerance|hypersensitivity)\s*$/, '');
  return cleaned
    .split('/')
    .map((part) => canonicalIngredient(part))
    .filter(Boolean);
}

/** The allergen names an allergy record carries: from its codes where the table knows them, and from its text. */
export function allergenNames(allergy: AllergyEntry, table: AllergyTable): string[] {
  const names = new Set<string>();
  const texts = new Set<string>([allergy.concept.display]);
  for (const coding of allergy.concept.codings) {
    const system = knownSystem(coding.system);
    const code = coding.code?.trim();
    const known = code && (system === 'rxnorm' || system === 'snomed') ? table.substances[system][code] : undefined;
    for (const name of known ?? []) names.add(name);
    if (coding.display) texts.add(coding.display);
  }
  for (const text of texts) for (const name of allergenNamesFromText(text)) names.add(name);
  return [...names];
}

function drugInClass(drug: SafetyDrug, drugClass: AllergyClass): boolean {
  return (
    drug.ingredients.some((ingredient) => drugClass.ingredients.includes(ingredient)) ||
    underAtcPrefix(drug.atc, drugClass.atcPrefixes)
  );
}

function allergyClassesOf(allergens: string[], table: AllergyTable): string[] {
  return Object.entries(table.classes)
    .filter(([, allergyClass]) => allergens.some((name) => allergyClass.ingredients.includes(name) || allergyClass.names.includes(name)))
    .map(([id]) => id);
}

/** The most severe reason the drug conflicts with the allergy, if any. */
function conflict(drug: SafetyDrug, allergens: string[], classes: string[], table: AllergyTable): Omit<AllergyFinding, 'kind' | 'drug' | 'allergy'> | undefined {
  const shared = drug.ingredients.filter((ingredient) => allergens.includes(ingredient));
  if (shared.length > 0) {
    return { severity: 'critical', basis: 'substance', ruleId: ALLERGEN_SUBSTANCE, rationale: `${drug.name} contains ${shared.join(' and ')}, the recorded allergen.` };
  }
  const matching = table.rules
    .filter((rule) => classes.includes(rule.allergyClass) && drugInClass(drug, table.classes[rule.drugClass]))
    .sort((p, q) => SEVERITY_ORDER.indexOf(p.severity) - SEVERITY_ORDER.indexOf(q.severity));
  const rule = matching[0];
  if (!rule) return undefined;
  const allergyLabel = table.classes[rule.allergyClass].label;
  const drugLabel = table.classes[rule.drugClass].label;
  const relation = rule.allergyClass === rule.drugClass ? `is one of the ${drugLabel}` : `is one of the ${drugLabel}, related to the ${allergyLabel}`;
  return { severity: rule.severity, basis: rule.basis, ruleId: rule.id, rationale: `${drug.name} ${relation}: ${rule.rationale}.`, sources: rule.sources.map(shortCitation) };
}

/**
 * Allergy findings for the drugs: one per (allergy, drug) pair that conflicts, most severe first.
 * Allergies that are inactive, resolved, refuted or entered in error are ignored. The table is loaded once
 * by the caller (`loadAllergyTable`), not cached here: no module-level state.
 */
export function findAllergyConflicts(drugs: readonly SafetyDrug[], allergies: readonly AllergyEntry[], table: AllergyTable): AllergyFinding[] {
  const findings: AllergyFinding[] = [];
  for (const allergy of allergies.filter(isRelevantAllergy)) {
    const allergens = allergenNames(allergy, table);
    const classes = allergyClassesOf(allergens, table);
    for (const drug of drugs) {
      const found = conflict(drug, allergens, classes, table);
      if (!found) continue;
      findings.push({
        kind: 'allergy',
        ...found,
        drug: drugRef(drug),
        allergy: { id: allergy.id, display: displayName(allergy.concept.display) },
        rationale: `Recorded allergy "${displayName(allergy.concept.display)}": ${found.rationale}`,
      });
    }
  }
  return findings.sort((p, q) => SEVERITY_ORDER.indexOf(p.severity) - SEVERITY_ORDER.indexOf(q.severity));
}
