/**
 * Builds fhir-mappings/interactions.json from
 *  - ../shared/reference/onc-high-priority-ddi/ONC_High_Priority_Mapped.csv (`$`-separated drug1, id1, drug2, id2:
 *    the ONC high-priority list of Phansalkar et al., JAMIA 2012, expanded to drug pairs), and
 *  - ../shared/reference/pddi-cds/*.xml (HL7 PDDI-CDS FHIR ValueSet bundles, CC0), and
 *  - fhir-mappings/interaction-rules.json: the warfarin–NSAIDs and digoxin–cyclosporine rule logic of the
 *    PDDI-CDS implementation guide, the ONC mechanism classes and their consequence texts, and
 *  - fhir-mappings/interaction-knowledge.json: the reviewed rules by drug class (scripts/interaction-knowledge.ts).
 * Every ONC pair is checked against the rules: a covered pair is carried by its rule, only the rest stay pairs.
 *
 *   npm run build && node dist/scripts/build-interactions.js
 *
 * Ingredient names follow the candidate naming (lower case, salts removed, US names: the WHO/DrugBank INN of
 * the ONC list are mapped back through atc-review.json's synonyms, e.g. pethidine → meperidine).
 */
import { readdirSync, readFileSync } from 'fs';
import * as path from 'path';
import { readJsonFile } from '../src/json-file';
import { canonicalIngredient } from '../src/medications/normalise';
import { FHIR_MAPPINGS_DIR, SHARED_DIR } from '../src/paths';
import { loadConditionGroups } from '../src/medications/condition-groups';
import { loadDrugCatalogue, type DrugCatalogue } from '../src/medications/drug-catalogue';
import { InteractionIndex, type ConditionSet, type DrugGroup, type InteractionRule, type InteractionSide, type InteractionTable } from '../src/safety/interaction-table';
import { severityWordingProblem, wordsOfAction } from '../src/safety/severity-wording';
import { checkKnowledge, knowledgeTable, loadInteractionKnowledge } from './interaction-knowledge';
import { loadAtcReview, writeJson } from './build-atc-table';

const REFERENCE_DIR = path.join(SHARED_DIR, 'reference');
const ONC_FILE = path.join(REFERENCE_DIR, 'onc-high-priority-ddi', 'ONC_High_Priority_Mapped.csv');
const PDDI_DIR = path.join(REFERENCE_DIR, 'pddi-cds');


// ---------------------------------------------------------------------------------------------------------
// PDDI-CDS ValueSet bundles (XML). The files are machine-written FHIR XML with one <ValueSet> per entry;
// a small reader for exactly that shape keeps the project free of an XML dependency.

interface ParsedValueSet {
  id: string;
  title: string;
  concepts: { system: string; code: string; display: string }[];
  /** ids of the value sets it includes ("ValueSet of ValueSets"). */
  includes: string[];
}

function attribute(xml: string, element: string): string | undefined {
  return new RegExp(`<${element}\\s+value="([^"]*)"\\s*/>`).exec(xml)?.[1];
}

export function parseValueSets(xml: string): ParsedValueSet[] {
  const sets: ParsedValueSet[] = [];
  for (const [block] of xml.matchAll(/<ValueSet[\s>][\s\S]*?<\/ValueSet>/g)) {
    const id = attribute(block, 'id');
    if (!id) throw new Error('PDDI-CDS ValueSet without id');
    const concepts: ParsedValueSet['concepts'] = [];
    const includes: string[] = [];
    for (const [include] of block.matchAll(/<include>[\s\S]*?<\/include>/g)) {
      const system = (attribute(include, 'system') ?? '').trim();
      for (const [, url] of include.matchAll(/<valueSet\s+value="([^"]*)"\s*\/>/g)) includes.push(url.split('/').pop() ?? url);
      for (const [concept] of include.matchAll(/<concept>[\s\S]*?<\/concept>/g)) {
        const code = attribute(concept, 'code');
        if (code) concepts.push({ system, code, display: attribute(concept, 'display') ?? '' });
      }
    }
    sets.push({ id, title: attribute(block, 'title') ?? id, concepts, includes });
  }
  return sets;
}

export function loadValueSets(): Map<string, ParsedValueSet> {
  const sets = new Map<string, ParsedValueSet>();
  for (const file of readdirSync(PDDI_DIR).filter((name) => name.endsWith('.xml')).sort()) {
    for (const set of parseValueSets(readFileSync(path.join(PDDI_DIR, file), 'utf8'))) {
      const known = sets.get(set.id);
      // The two bundles share some sets (aldosterone antagonists): they must agree.
      if (known && JSON.stringify(known.concepts) !== JSON.stringify(set.concepts)) throw new Error(`value set ${set.id} differs between files`);
      sets.set(set.id, set);
    }
  }
  return sets;
}

const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';

/** An RxNorm drug value set as a group: its ingredient names (from the member titles) and all product codes
 * (less the antiplatelet-dose products of `doses`, whose ingredient then matches by product code only). */
function drugGroup(sets: Map<string, ParsedValueSet>, id: string, label: string, nameFixes: Record<string, string>, doses?: AntiplateletDoses): DrugGroup {
  const set = sets.get(id);
  if (!set) throw new Error(`PDDI-CDS value set ${id} is missing`);
  const members = set.includes.length > 0 ? set.includes.map((member) => sets.get(member) ?? missing(member)) : [set];
  const ingredients = new Set<string>();
  const rxnorm = new Set<string>();
  for (const member of members) {
    const drug = member.title.replace(/\s+Medications Value Set$/i, '').trim().toLowerCase();
    const split = doses?.member === member.id;
    if (!split) ingredients.add(nameFixes[drug] ?? canonicalIngredient(drug));
    for (const concept of member.concepts) {
      if (concept.system !== RXNORM) throw new Error(`${member.id}: unexpected code system ${concept.system}`);
      if (split && atAntiplateletDose(concept.display, doses)) continue;
      rxnorm.add(concept.code);
    }
  }
  return { label, ingredients: [...ingredients].sort(), rxnorm: [...rxnorm].sort(), source: `PDDI-CDS ${id}` };
}

function missing(id: string): never {
  throw new Error(`PDDI-CDS value set ${id} is included but not present`);
}

function conditionSet(sets: Map<string, ParsedValueSet>, id: string, label: string): ConditionSet {
  const set = sets.get(id) ?? missing(id);
  const snomed: Record<string, string> = {};
  for (const concept of set.concepts) {
    if (concept.system !== 'http://snomed.info/sct') throw new Error(`${id}: expected SNOMED CT, got ${concept.system}`);
    snomed[concept.code] = concept.display;
  }
  return { label, snomed };
}

// ---------------------------------------------------------------------------------------------------------
// The reviewed rule content (fhir-mappings/interaction-rules.json): PDDI-CDS rules and the sets they use,
// and the ONC mechanism classes that give each pair its consequence.

export const INTERACTION_RULES_FILE = path.join(FHIR_MAPPINGS_DIR, 'interaction-rules.json');

interface PddiGroupSpec {
  valueSet: string;
  label: string;
  /** Ingredients the rule logic names that the value set lacks (misoprostol beside the PPIs). */
  addIngredients?: string[];
  /** Match by product code only (topical diclofenac: the ingredient alone is not topical). */
  byProductCodeOnly?: boolean;
  /** Products of one member set left out at antiplatelet doses (low-dose aspirin is not an NSAID for this rule). */
  antiplateletDoses?: AntiplateletDoses;
  note?: string;
}

/** The member value set whose products up to `maxMg` of `ingredient` (alone or with `with`) are left out, and the ingredient itself. */
export interface AntiplateletDoses {
  member: string;
  ingredient: string;
  maxMg: number;
  with: string[];
  why: string;
}

/** "Aspirin 81 MG Oral Tablet", "12 HR Aspirin 25 MG / Dipyridamole 200 MG …": the ingredients and their strengths in mg. */
export function productStrengths(display: string): Map<string, number> {
  const strengths = new Map<string, number>();
  for (const [, name, amount] of display.matchAll(/([A-Za-z][A-Za-z ,-]*?)\s+(\d+(?:\.\d+)?)\s*MG\b(?!\/)/g)) {
    strengths.set(name.replace(/^(\d+\s*)?HR\s+/i, '').trim().toLowerCase(), Number(amount));
  }
  return strengths;
}

/** Whether a product is the ingredient at an antiplatelet dose, alone or with an allowed partner. */
export function atAntiplateletDose(display: string, doses: AntiplateletDoses): boolean {
  const strengths = productStrengths(display);
  const mg = strengths.get(doses.ingredient);
  return mg !== undefined && mg <= doses.maxMg && [...strengths.keys()].every((name) => name === doses.ingredient || doses.with.includes(name));
}

type Mechanism = { either: string; consequence: string } | { oneEach: [string, string]; consequence: string };

export interface InteractionRulesFile {
  description: string;
  review: string;
  table: { description: string; sources: Record<string, string> };
  pddi: {
    nameFixes: Record<string, string>;
    groups: Record<string, PddiGroupSpec>;
    conditionSets: Record<string, { valueSet: string; label: string }>;
    rules: InteractionRule[];
  };
  onc: { drugClasses: Record<string, string[]>; mechanisms: Mechanism[]; qtConsequence: string; qtNote: string };
}

export function loadInteractionRules(file = INTERACTION_RULES_FILE): InteractionRulesFile {
  const rules = readJsonFile(file, 'interaction rules') as InteractionRulesFile;
  if (!rules?.pddi?.rules || !rules.onc?.mechanisms || !rules.table?.sources) throw new Error(`${file}: expected table, pddi and onc sections`);
  for (const mechanism of rules.onc.mechanisms) {
    const classes = 'either' in mechanism ? [mechanism.either] : mechanism.oneEach;
    for (const name of classes) if (!rules.onc.drugClasses[name]) throw new Error(`${file}: mechanism names unknown drug class ${name}`);
  }
  for (const rule of rules.pddi.rules) {
    for (const side of [rule.a, rule.b]) if ('group' in side && !rules.pddi.groups[side.group]) throw new Error(`${file}: rule ${rule.id} names unknown group ${side.group}`);
  }
  return rules;
}

function mechanismApplies(mechanism: Mechanism, classes: Record<string, string[]>, a: string, b: string): boolean {
  if ('either' in mechanism) return classes[mechanism.either].includes(a) || classes[mechanism.either].includes(b);
  const [x, y] = mechanism.oneEach.map((name) => classes[name]);
  return (x.includes(a) && y.includes(b)) || (x.includes(b) && y.includes(a));
}

interface OncPair {
  a: string;
  b: string;
}

export function parseOncCsv(text: string, toIngredient: (name: string) => string): OncPair[] {
  const pairs = new Map<string, OncPair>();
  for (const raw of text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/)) {
    const line = raw.trim();
    if (!line) continue;
    const [drug1, , drug2] = line.split('$');
    if (!drug1 || !drug2) throw new Error(`ONC list: cannot read line "${line}"`);
    const [a, b] = [toIngredient(drug1), toIngredient(drug2)].sort();
    if (a === b) continue;
    pairs.set(`${a}|${b}`, { a, b });
  }
  return [...pairs.values()].sort((x, y) => x.a.localeCompare(y.a) || x.b.localeCompare(y.b));
}

function oncRules(pairs: OncPair[], onc: InteractionRulesFile['onc'], allPairs: OncPair[] = pairs): InteractionRule[] {
  // A pair outside the named mechanisms is, in this list, a pair of QT-prolonging drugs; both drugs of such
  // a pair are therefore taken as QT-prolonging (judged on the whole list), and a pair of two of them gets the
  // QT consequence.
  const outside = (pair: OncPair) => !onc.mechanisms.some((mechanism) => mechanismApplies(mechanism, onc.drugClasses, pair.a, pair.b));
  const qtDrugs = new Set(allPairs.filter(outside).flatMap((pair) => [pair.a, pair.b]));
  const classified = pairs.map((pair) => onc.mechanisms.find((mechanism) => mechanismApplies(mechanism, onc.drugClasses, pair.a, pair.b)));
  return pairs.map((pair, i) => {
    const consequence = classified[i]?.consequence ?? (qtDrugs.has(pair.a) && qtDrugs.has(pair.b) ? onc.qtConsequence : undefined);
    if (!consequence) throw new Error(`ONC pair ${pair.a} + ${pair.b}: no consequence`);
    return {
      id: `onc-${String(i + 1).padStart(4, '0')}`,
      source: 'ONC',
      a: { ingredients: [pair.a] },
      b: { ingredients: [pair.b] },
      severity: 'warning',
      consequence,
      sources: ['ONC'],
    };
  });
}

/** How the ONC high-priority list is carried: the pairs a reviewed (or PDDI-CDS) rule covers, and those kept as bare pairs. */
export interface OncCoverage {
  pairs: number;
  covered: number;
  kept: number;
  /** Rule id → the ONC pairs it covers. */
  byRule: Record<string, number>;
}

export interface BuiltInteractions {
  table: InteractionTable & { onc: OncCoverage };
  problems: string[];
}

/** PDDI-CDS groups and their rules under a "pddi-" prefix, so they never clash with the reviewed groups. */
function namespaced(rules: InteractionRule[]): InteractionRule[] {
  const side = (s: InteractionSide): InteractionSide => ('group' in s ? { group: `pddi-${s.group}` } : s);
  return rules.map((rule) => ({
    ...rule,
    a: side(rule.a),
    b: side(rule.b),
    ...(rule.exceptions ? { exceptions: rule.exceptions.map((e) => ({ ...e, group: `pddi-${e.group}` })) } : {}),
    ...(rule.riskFactors ? { riskFactors: rule.riskFactors.map((f) => ('group' in f ? { ...f, group: `pddi-${f.group}` } : f)) } : {}),
    ...(rule.mitigatingFactors ? { mitigatingFactors: rule.mitigatingFactors.map((f) => ({ ...f, group: `pddi-${f.group}` })) } : {}),
  }));
}

/**
 * The interaction table from the shared reference files and the reviewed knowledge (what main() writes): the
 * PDDI-CDS rules, then the reviewed rules, then any ONC pair that no rule before it covers (as a bare pair
 * with its mechanism's consequence) — so a pair never gets two findings from the ONC list and a rule.
 */
export function buildInteractionTable(catalogue: DrugCatalogue = loadDrugCatalogue()): BuiltInteractions {
  const review = loadAtcReview();
  // WHO/DrugBank INN → the US name our candidates use (the inverse of the review's US → INN synonyms).
  const usName = new Map<string, string>();
  for (const [us, inn] of Object.entries(review.innSynonyms)) if (us !== inn && !usName.has(inn)) usName.set(inn, us);
  const toIngredient = (name: string) => {
    const canonical = canonicalIngredient(name);
    return catalogue.canonical(usName.get(canonical) ?? canonical);
  };

  const rules = loadInteractionRules();
  const sets = loadValueSets();
  const groups: Record<string, DrugGroup> = {};
  for (const [name, spec] of Object.entries(rules.pddi.groups)) {
    const group = drugGroup(sets, spec.valueSet, spec.label, rules.pddi.nameFixes, spec.antiplateletDoses);
    if (spec.addIngredients) group.ingredients = [...group.ingredients, ...spec.addIngredients].sort();
    if (spec.byProductCodeOnly) group.ingredients = [];
    groups[`pddi-${name}`] = group;
  }
  const conditionSets: Record<string, ConditionSet> = {};
  for (const [name, spec] of Object.entries(rules.pddi.conditionSets)) conditionSets[name] = conditionSet(sets, spec.valueSet, spec.label);

  const conditionGroups = loadConditionGroups();
  const knowledge = loadInteractionKnowledge();
  const problems = checkKnowledge(knowledge, catalogue, conditionGroups);
  for (const rule of rules.pddi.rules) {
    const mismatch = severityWordingProblem(rule.severity, wordsOfAction(rule.action ?? ''));
    if (mismatch) problems.push(`rule ${rule.id}: ${mismatch}`);
  }
  const reviewed = knowledgeTable(knowledge, conditionGroups);
  Object.assign(groups, reviewed.groups);
  Object.assign(conditionSets, reviewed.conditionSets);

  const base: InteractionTable = {
    description: rules.table.description,
    sources: { ...rules.table.sources, ...knowledge.sources },
    citations: { ...knowledge.citations, ONC: 'ONC high-priority DDI list (Phansalkar 2012)', 'PDDI-CDS': 'HL7 PDDI-CDS' },
    groups,
    conditionSets,
    interactions: [...namespaced(rules.pddi.rules), ...reviewed.rules],
  };
  const index = new InteractionIndex(base);
  const keys = (name: string) => {
    const resolved = catalogue.resolveName(name);
    return { ingredients: resolved.ingredients, rxnorm: [], atc: resolved.atc };
  };
  const pairs = parseOncCsv(readFileSync(ONC_FILE, 'utf8'), toIngredient);
  const byRule: Record<string, number> = {};
  const uncovered = pairs.filter((pair) => {
    const matched = index.rulesFor(keys(pair.a), keys(pair.b));
    for (const { rule } of matched.slice(0, 1)) byRule[rule.id] = (byRule[rule.id] ?? 0) + 1;
    return matched.length === 0;
  });
  const onc: OncCoverage = { pairs: pairs.length, covered: pairs.length - uncovered.length, kept: uncovered.length, byRule };
  return { table: { ...base, interactions: [...base.interactions, ...oncRules(uncovered, rules.onc, pairs)], onc }, problems };
}

function main(): void {
  const { table, problems } = buildInteractionTable();
  if (problems.length > 0) {
    process.stderr.write(`${problems.map((problem) => `problem: ${problem}`).join('\n')}\n`);
    process.exitCode = 1;
    return;
  }
  writeJson(path.join(FHIR_MAPPINGS_DIR, 'interactions.json'), table);
  const reviewed = table.interactions.filter((rule) => rule.source === 'reviewed').length;
  process.stdout.write(
    `interactions.json: ${table.interactions.length} rules (${reviewed} reviewed, ${table.interactions.length - reviewed - table.onc.kept} PDDI-CDS, ` +
      `${table.onc.kept} bare ONC pairs), ${Object.keys(table.groups).length} groups; ONC list: ${table.onc.covered} of ${table.onc.pairs} pairs covered by a rule\n`,
  );
}

if (require.main === module) main();
