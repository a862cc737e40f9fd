/**
 * The duplicate-therapy knowledge (fhir-mappings/duplicate-therapy.json): which drug classes count as
 * duplicates, which combinations inside them are intended (basal + bolus insulin), and which are intended
 * only while the record shows an indication within a treatment window (dual antiplatelet therapy after a
 * coronary event). Sharing an ATC level 4 is not enough: aspirin and clopidogrel share B01AC.
 */
import * as path from 'path';
import { conceptMatchesCodes, loadConditionGroups, type ConditionGroupsFile } from '../medications/condition-groups';
import type { ConditionEntry, ProcedureEntry } from '../fhir/types';
import { readJsonFile } from '../json-file';
import { FHIR_MAPPINGS_DIR } from '../paths';
import type { Release } from '../medications/release';
import type { SafetyDrug, Severity } from './types';

export const DEFAULT_DUPLICATE_THERAPY_FILE = path.join(FHIR_MAPPINGS_DIR, 'duplicate-therapy.json');

/** Built-in rules every hospital can adjust like the table's own (src/safety/overrides.ts). */
export const SAME_INGREDIENT = 'same-ingredient';
export const RENEWAL_OF_ACTIVE = 'renewal-of-active';

/** Drugs by ingredient name (candidate naming) or WHO ATC code prefix, optionally narrowed. */
export interface DrugSet {
  ingredients?: string[];
  atcPrefixes?: string[];
  /** Codes under these prefixes do not count (dextromethorphan R05DA09 is no opioid). */
  excludeAtc?: string[];
  /** Drugs with one of these ingredients are not in the set (buprenorphine, a partial agonist, is no breakthrough partner). */
  excludeIngredients?: string[];
  /** Only products of this release (src/medications/release.ts): long-acting opioid + short-acting one. */
  release?: Release;
}

/** A combination inside a duplicate class that is intended as such (one drug from each side). */
export interface IntendedPair {
  id: string;
  label: string;
  a: DrugSet;
  b: DrugSet;
  /** Intended even when both contain the same ingredient of the class (extended-release oxycodone with
   * immediate-release oxycodone for breakthrough pain): that shared ingredient is then no duplicate either. */
  sameIngredient?: boolean;
  sources: string[];
  review: string;
}

/** A combination intended while the record shows one of these events within `withinDays`. */
export interface IntendedWhen {
  id: string;
  /** The events, in words ("an acute coronary syndrome, PCI/stent or CABG"). */
  label: string;
  /** Condition groups (condition-groups.json) whose onset is the event. */
  conditionGroups: string[];
  /** Groups whose codes, on a Procedure, are the event (its performed date). */
  procedureGroups: string[];
  withinDays: number;
  /** The usual treatment window in words ("usually up to 12 months"). */
  window: string;
  /** Once the window has passed: the severity and what to do. */
  afterWindow: { severity: Severity; advice: string };
  sources: string[];
  review: string;
}

export interface DuplicateRule {
  id: string;
  /** "two statins", "aspirin with a P2Y12 inhibitor (dual antiplatelet therapy)". */
  label: string;
  /** Two different members of this set are a duplicate ... */
  members?: DrugSet;
  /** ... or one drug of `a` with one of `b`. */
  a?: DrugSet;
  b?: DrugSet;
  severity: Severity;
  advice: string;
  rationale: string;
  sources: string[];
  review: string;
  except?: IntendedPair[];
  intendedWhen?: IntendedWhen[];
}

/** What to do when an ingredient is in two products, where the sources say more than "keep one" (acetaminophen: the daily total). */
export interface SameIngredientAdvice {
  ingredient: string;
  advice: string;
  rationale: string;
  sources: string[];
  review: string;
}

export interface DuplicateTherapyFile {
  description: string;
  builtIn: Record<string, string>;
  sources: Record<string, string>;
  rules: DuplicateRule[];
  sameIngredient?: SameIngredientAdvice[];
}

/** The rules with the condition groups their indications name. */
export interface DuplicateTherapyTable {
  file: DuplicateTherapyFile;
  groups: ConditionGroupsFile;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const SEVERITIES: readonly string[] = ['critical', 'warning', 'info'];

const RELEASES: readonly unknown[] = ['long-acting', 'short-acting'];

function checkSet(value: unknown, where: string): void {
  if (!isRecord(value)) throw new Error(`${where}: a drug set { ingredients, atcPrefixes } is expected`);
  const size = (Array.isArray(value.ingredients) ? value.ingredients.length : 0) + (Array.isArray(value.atcPrefixes) ? value.atcPrefixes.length : 0);
  if (size === 0) throw new Error(`${where}: the drug set names no drug`);
  if (value.release !== undefined && !RELEASES.includes(value.release)) throw new Error(`${where}: release must be long-acting or short-acting`);
  for (const key of ['excludeAtc', 'excludeIngredients'] as const) {
    const list = value[key];
    if (list !== undefined && (!Array.isArray(list) || !list.every((item) => typeof item === 'string'))) throw new Error(`${where}: ${key} must list strings`);
  }
}

function checkSources(value: unknown, sources: Record<string, unknown>, where: string): void {
  if (!Array.isArray(value) || value.length === 0 || !value.every((id) => typeof id === 'string' && id in sources)) {
    throw new Error(`${where} must cite sources listed in "sources"`);
  }
}

export function validateDuplicateTherapy(value: unknown, groups: ConditionGroupsFile, file = 'duplicate-therapy.json'): DuplicateTherapyFile {
  if (!isRecord(value) || !isRecord(value.sources) || !Array.isArray(value.rules)) throw new Error(`${file}: expected { description, sources, rules }`);
  const sources = value.sources;
  const ids = new Set<string>([SAME_INGREDIENT, RENEWAL_OF_ACTIVE]);
  for (const rule of value.rules as unknown[]) {
    if (!isRecord(rule) || typeof rule.id !== 'string' || ids.has(rule.id)) throw new Error(`${file}: every rule needs a unique id (not a built-in one)`);
    ids.add(rule.id);
    const where = `${file}: rule ${rule.id}`;
    if (rule.members !== undefined) checkSet(rule.members, where);
    else {
      checkSet(rule.a, `${where} (a)`);
      checkSet(rule.b, `${where} (b)`);
    }
    if (typeof rule.severity !== 'string' || !SEVERITIES.includes(rule.severity)) throw new Error(`${where}: severity must be critical, warning or info`);
    if (typeof rule.advice !== 'string' || typeof rule.rationale !== 'string' || typeof rule.review !== 'string') throw new Error(`${where} needs advice, rationale and review`);
    checkSources(rule.sources, sources, where);
    for (const pair of (rule.except ?? []) as unknown[]) {
      if (!isRecord(pair) || typeof pair.id !== 'string') throw new Error(`${where}: an exception needs an id`);
      checkSet(pair.a, `${where} exception ${pair.id}`);
      checkSet(pair.b, `${where} exception ${pair.id}`);
      checkSources(pair.sources, sources, `${where} exception ${pair.id}`);
    }
    for (const when of (rule.intendedWhen ?? []) as unknown[]) {
      if (!isRecord(when) || typeof when.id !== 'string') throw new Error(`${where}: an indication window needs an id`);
      const named = [...((when.conditionGroups as unknown[]) ?? []), ...((when.procedureGroups as unknown[]) ?? [])];
      if (named.length === 0 || !named.every((id) => typeof id === 'string' && groups.groups[id])) throw new Error(`${where} window ${when.id} names an unknown condition group`);
      if (typeof when.withinDays !== 'number' || when.withinDays <= 0) throw new Error(`${where} window ${when.id}: withinDays must be a positive number`);
      const after = when.afterWindow;
      if (!isRecord(after) || typeof after.severity !== 'string' || !SEVERITIES.includes(after.severity) || typeof after.advice !== 'string') {
        throw new Error(`${where} window ${when.id}: afterWindow needs a severity and advice`);
      }
      checkSources(when.sources, sources, `${where} window ${when.id}`);
    }
  }
  for (const entry of (value.sameIngredient ?? []) as unknown[]) {
    if (!isRecord(entry) || typeof entry.ingredient !== 'string' || typeof entry.advice !== 'string' || typeof entry.rationale !== 'string') {
      throw new Error(`${file}: every sameIngredient entry needs ingredient, advice and rationale`);
    }
    checkSources(entry.sources, sources, `${file}: sameIngredient ${entry.ingredient}`);
  }
  return value as unknown as DuplicateTherapyFile;
}

export function loadDuplicateTherapy(file = DEFAULT_DUPLICATE_THERAPY_FILE, groups: ConditionGroupsFile = loadConditionGroups()): DuplicateTherapyTable {
  return { file: validateDuplicateTherapy(readJsonFile(file, 'duplicate-therapy table'), groups, file), groups };
}

/** Every rule id a local override may name (the built-in ones included). */
export function duplicateRuleIds(table: DuplicateTherapyTable): string[] {
  return [SAME_INGREDIENT, RENEWAL_OF_ACTIVE, ...table.file.rules.map((rule) => rule.id)];
}

export function inSet(drug: SafetyDrug, set: DrugSet): boolean {
  if ((set.excludeIngredients ?? []).some((ingredient) => drug.ingredients.includes(ingredient))) return false;
  if (set.release !== undefined && drug.release !== set.release) return false;
  const excluded = (code: string): boolean => (set.excludeAtc ?? []).some((prefix) => code.startsWith(prefix));
  return (
    drug.ingredients.some((ingredient) => (set.ingredients ?? []).includes(ingredient)) ||
    drug.atc.some((code) => !excluded(code) && (set.atcPrefixes ?? []).some((prefix) => code.startsWith(prefix)))
  );
}

/**
 * The intended combination of a rule that also holds for a shared ingredient (`sameIngredient`), and the rule's
 * ingredients it makes no duplicate: extended-release oxycodone with acetaminophen / oxycodone for breakthrough
 * pain shares oxycodone on purpose (their acetaminophen would still count).
 */
export function intendedSharing(rules: readonly DuplicateRule[], x: SafetyDrug, y: SafetyDrug): { pair: IntendedPair; ingredients: ReadonlySet<string> } | undefined {
  for (const rule of rules) {
    if (!ruleCovers(rule, x, y)) continue;
    const pair = (rule.except ?? []).find((candidate) => candidate.sameIngredient === true && onBothSides(x, y, candidate.a, candidate.b));
    if (!pair) continue;
    // The shared ingredients that are the class's own: those for which a drug of that ingredient alone is a member.
    const own = (ingredient: string): boolean => {
      const alone = [x, y].find((drug) => drug.ingredients.length === 1 && drug.ingredients[0] === ingredient);
      return (rule.members?.ingredients ?? []).includes(ingredient) || (alone !== undefined && rule.members !== undefined && inSet(alone, rule.members));
    };
    return { pair, ingredients: new Set(x.ingredients.filter((ingredient) => y.ingredients.includes(ingredient) && own(ingredient))) };
  }
  return undefined;
}

/** Whether one drug is on side a and the other on side b (either way round). */
export function onBothSides(x: SafetyDrug, y: SafetyDrug, a: DrugSet, b: DrugSet): boolean {
  return (inSet(x, a) && inSet(y, b)) || (inSet(x, b) && inSet(y, a));
}

/** Whether the pair falls under the rule (two members, or one of each side). */
export function ruleCovers(rule: DuplicateRule, x: SafetyDrug, y: SafetyDrug): boolean {
  if (rule.members) return inSet(x, rule.members) && inSet(y, rule.members);
  return rule.a !== undefined && rule.b !== undefined && onBothSides(x, y, rule.a, rule.b);
}

/** What the record says about a combination's indication, at the time of the decision. */
export interface DuplicateContext {
  conditions: readonly ConditionEntry[];
  procedures: readonly ProcedureEntry[];
  /** The time of the decision (the encounter's start, or now). */
  at: Date;
}

/** The latest event of the window's groups in the record: its name and date (undefined date: not recorded). */
export interface IndicationEvent {
  display: string;
  date?: Date;
}

function latestEvent(when: IntendedWhen, context: DuplicateContext, groups: ConditionGroupsFile): IndicationEvent | undefined {
  const events: IndicationEvent[] = [];
  const dated = (value: string | undefined): Date | undefined => {
    const ms = value ? Date.parse(value) : NaN;
    return Number.isNaN(ms) ? undefined : new Date(ms);
  };
  for (const id of when.conditionGroups) {
    for (const condition of context.conditions) {
      if (conceptMatchesCodes(condition.concept, groups.groups[id])) events.push({ display: condition.concept.display, date: dated(condition.onset ?? condition.recorded) });
    }
  }
  for (const id of when.procedureGroups) {
    for (const procedure of context.procedures) {
      if (conceptMatchesCodes(procedure.concept, groups.groups[id])) events.push({ display: procedure.concept.display, date: dated(procedure.date) });
    }
  }
  // An event after the decision (a data error) does not count; undated events come last.
  const usable = events.filter((event) => !event.date || event.date.getTime() <= context.at.getTime() + 86_400_000);
  usable.sort((p, q) => (q.date?.getTime() ?? -Infinity) - (p.date?.getTime() ?? -Infinity));
  return usable[0];
}

export type IndicationVerdict =
  | { state: 'intended'; when: IntendedWhen; event: IndicationEvent; until: Date }
  | { state: 'after-window'; when: IntendedWhen; event: IndicationEvent }
  | { state: 'none' };

/** Whether the rule's combination is intended for this patient now (the first window that holds), else whether one has passed. */
export function indicationVerdict(rule: DuplicateRule, context: DuplicateContext, groups: ConditionGroupsFile): IndicationVerdict {
  let passed: IndicationVerdict = { state: 'none' };
  for (const when of rule.intendedWhen ?? []) {
    const event = latestEvent(when, context, groups);
    if (!event) continue;
    const until = event.date ? new Date(event.date.getTime() + when.withinDays * 86_400_000) : undefined;
    if (until && until.getTime() >= context.at.getTime()) return { state: 'intended', when, event, until };
    if (passed.state === 'none') passed = { state: 'after-window', when, event };
  }
  return passed;
}
