/**
 * The drug–drug interaction table (fhir-mappings/interactions.json, built by scripts/build-interactions.ts from
 * the reviewed fhir-mappings/interaction-knowledge.json, the HL7 PDDI-CDS value sets and the ONC
 * high-priority list) and its lookup index. Rules name drug groups; a group holds a drug by ingredient, by
 * RxNorm product code (PDDI-CDS value sets) or by WHO ATC prefix (a class: every SSRI, every statin), so a
 * drug the rules never name by ingredient (paroxetine, ticagrelor) is still met through its class.
 */
import * as path from 'path';
import type { ConditionCodes } from '../medications/condition-groups';
import { readJsonFile } from '../json-file';
import { FHIR_MAPPINGS_DIR } from '../paths';
import type { Severity } from './types';

/** A named drug set. */
export interface DrugGroup {
  label: string;
  ingredients: string[];
  rxnorm: string[];
  /** WHO ATC prefixes (a level-4 class "N06AB", or a single substance "C01BD01"). */
  atc?: string[];
  /** ATC codes (or prefixes) that do not count although a prefix above covers them (glucosamine in M01A). */
  excludeAtc?: string[];
  source: string;
}

/** One side of an interaction: a named group, several (any of them), or a list of ingredients (ONC pairs). */
export type InteractionSide = { group: string } | { groups: string[] } | { ingredients: string[] };

/** Lab comparisons read from PatientContext.labs (kinds of fhir-mappings/lab-codes.json). */
export interface LabCondition {
  lab: string;
  above?: number;
  below?: number;
}

/** A factor present raises the severity to `raisedSeverity`, unless `raises` is false (then it is only named). */
export type RiskFactor = { text: string; raises?: boolean } & (
  | { kind: 'condition'; conditionSet: string }
  | { kind: 'age-over'; years: number }
  /** Another drug of `group` taken besides the pair (a concurrent corticosteroid, a second NSAID...). */
  | { kind: 'concurrent-drug'; group: string }
  /** The drug of `group` in the pair is a draft and the patient is not already taking it (a new start) — and,
   * with `unlessRecentLab`, the record has no recent result of that lab (PDDI-CDS: no recent digoxin level). */
  | { kind: 'new-start'; group: string; unlessRecentLab?: string }
  | ({ kind: 'lab' } & LabCondition)
  /** A drug of the pair holds `ingredient` at more than `mg` per unit, as its product text states (a label's
   * dose limit: simvastatin above 20 mg with amlodipine). A product without a stated strength does not count. */
  | { kind: 'strength-above'; ingredient: string; mg: number }
);

export interface InteractionRule {
  id: string;
  /** 'reviewed': fhir-mappings/interaction-knowledge.json; 'ONC' a bare ONC pair no reviewed rule covers. */
  source: 'ONC' | 'PDDI-CDS' | 'reviewed';
  /** A short title for reviewers ("Opioid + benzodiazepine"). */
  title?: string;
  a: InteractionSide;
  b: InteractionSide;
  /** A three-drug rule: the pair counts only when a drug of this group is taken too (the pair's own
   * combination product included), and the three drugs may fill the roles in any order. */
  third?: { group: string; text: string };
  severity: Severity;
  consequence: string;
  action?: string;
  /** When the drug on `side` belongs only to `group` (e.g. topical diclofenac), the severity becomes `severity`. */
  exceptions?: { side: 'a' | 'b'; group: string; severity: Severity; text: string }[];
  riskFactors?: RiskFactor[];
  mitigatingFactors?: { kind: 'concurrent-drug'; group: string; text: string }[];
  raisedSeverity?: Severity;
  /** With every listed lab recent and in range (and no risk factor), the severity becomes `severity`. */
  lowered?: { when: { lab: string; atMost?: number; atLeast?: number }[]; severity: Severity; text: string };
  /** Labs the rule reads: a card says when the record has no recent result of one. */
  labs?: string[];
  /** Citation ids (table.sources / table.citations). */
  sources?: string[];
  review?: string;
}

export interface ConditionSet extends ConditionCodes {
  label: string;
}

export interface InteractionTable {
  description: string;
  /** Citation id → full reference (for reviewers). */
  sources: Record<string, string>;
  /** Citation id → the short form a card shows. */
  citations?: Record<string, string>;
  groups: Record<string, DrugGroup>;
  conditionSets: Record<string, ConditionSet>;
  interactions: InteractionRule[];
}

export const DEFAULT_INTERACTIONS_FILE = path.join(FHIR_MAPPINGS_DIR, 'interactions.json');

/** A drug reduced to what the table is keyed by. */
export interface DrugKeys {
  ingredients: readonly string[];
  rxnorm: readonly string[];
  atc?: readonly string[];
}

/** Whether every product code of the drug is in the group (a drug known only by ingredient never is). */
export function onlyInGroup(group: DrugGroup, drug: DrugKeys): boolean {
  return drug.rxnorm.length > 0 && drug.rxnorm.every((code) => group.rxnorm.includes(code));
}

export function sideGroups(side: InteractionSide): string[] | undefined {
  return 'group' in side ? [side.group] : 'groups' in side ? side.groups : undefined;
}

/** The interaction table with indexes from ingredient, RxNorm code and ATC prefix to groups and rules. */
export class InteractionIndex {
  private readonly groupsByIngredient = new Map<string, Set<string>>();
  private readonly groupsByCode = new Map<string, Set<string>>();
  private readonly groupsByAtc = new Map<string, Set<string>>();
  private readonly rulesByGroup = new Map<string, Set<InteractionRule>>();
  private readonly rulesByIngredient = new Map<string, Set<InteractionRule>>();
  private readonly memberships = new WeakMap<DrugKeys, Set<string>>();

  constructor(readonly table: InteractionTable) {
    for (const [name, group] of Object.entries(table.groups)) {
      for (const ingredient of group.ingredients) add(this.groupsByIngredient, ingredient, name);
      for (const code of group.rxnorm) add(this.groupsByCode, code, name);
      for (const prefix of group.atc ?? []) add(this.groupsByAtc, prefix, name);
    }
    for (const rule of table.interactions) {
      for (const side of [rule.a, rule.b, ...(rule.third ? [{ group: rule.third.group }] : [])]) {
        const names = sideGroups(side);
        if (names) {
          for (const name of names) {
            if (!table.groups[name]) throw new Error(`interaction ${rule.id} names unknown group ${name}`);
            add(this.rulesByGroup, name, rule);
          }
        } else if ('ingredients' in side) {
          for (const ingredient of side.ingredients) add(this.rulesByIngredient, ingredient, rule);
        }
      }
    }
  }

  /** The groups a drug belongs to (cached per drug object). */
  groupsOf(drug: DrugKeys): Set<string> {
    const cached = this.memberships.get(drug);
    if (cached) return cached;
    const found = new Set<string>();
    for (const ingredient of drug.ingredients) for (const name of this.groupsByIngredient.get(ingredient) ?? []) found.add(name);
    for (const code of drug.rxnorm) for (const name of this.groupsByCode.get(code) ?? []) found.add(name);
    for (const code of drug.atc ?? []) {
      for (let length = 1; length <= code.length; length++) {
        for (const name of this.groupsByAtc.get(code.slice(0, length)) ?? []) {
          const excluded = (this.table.groups[name].excludeAtc ?? []).some((prefix) => code.startsWith(prefix));
          if (!excluded) found.add(name);
        }
      }
    }
    this.memberships.set(drug, found);
    return found;
  }

  /** Whether a drug is on a side (any of its groups, or one of its ingredients). */
  onSide(side: InteractionSide, drug: DrugKeys): boolean {
    const names = sideGroups(side);
    if (names) {
      const groups = this.groupsOf(drug);
      return names.some((name) => groups.has(name));
    }
    return 'ingredients' in side && drug.ingredients.some((ingredient) => side.ingredients.includes(ingredient));
  }

  inGroup(groupName: string, drug: DrugKeys): boolean {
    return this.groupsOf(drug).has(groupName);
  }

  /** Rules that name one of the drug's groups or ingredients on some side. */
  candidateRules(drug: DrugKeys): Set<InteractionRule> {
    const rules = new Set<InteractionRule>();
    for (const name of this.groupsOf(drug)) for (const rule of this.rulesByGroup.get(name) ?? []) rules.add(rule);
    for (const ingredient of drug.ingredients) for (const rule of this.rulesByIngredient.get(ingredient) ?? []) rules.add(rule);
    return rules;
  }

  /** The two-drug rules that apply to the pair, each with the pair in the rule's a/b order (table order). */
  rulesFor<T extends DrugKeys>(x: T, y: T): { rule: InteractionRule; a: T; b: T }[] {
    const candidates = new Set([...this.candidateRules(x), ...this.candidateRules(y)]);
    const matches: { rule: InteractionRule; a: T; b: T }[] = [];
    for (const rule of this.table.interactions) {
      if (!candidates.has(rule) || rule.third) continue;
      if (this.onSide(rule.a, x) && this.onSide(rule.b, y)) matches.push({ rule, a: x, b: y });
      else if (this.onSide(rule.a, y) && this.onSide(rule.b, x)) matches.push({ rule, a: y, b: x });
    }
    return matches;
  }

  /** The three-drug rules that one of the pair's drugs takes part in. */
  tripleRules(x: DrugKeys, y: DrugKeys): InteractionRule[] {
    const candidates = new Set([...this.candidateRules(x), ...this.candidateRules(y)]);
    return this.table.interactions.filter((rule) => rule.third && candidates.has(rule));
  }
}

function add<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key) ?? new Set<V>();
  set.add(value);
  map.set(key, set);
}

export function loadInteractionTable(file = DEFAULT_INTERACTIONS_FILE): InteractionTable {
  const table = readJsonFile(file, 'interaction table') as Partial<InteractionTable>;
  if (!table || typeof table.groups !== 'object' || !Array.isArray(table.interactions) || typeof table.conditionSets !== 'object') {
    throw new Error(`${file} is not an interaction table (groups, conditionSets and interactions expected)`);
  }
  return table as InteractionTable;
}

let defaultIndex: InteractionIndex | undefined;

/** The shipped table, loaded and indexed once per process. */
export function defaultInteractionIndex(): InteractionIndex {
  defaultIndex ??= new InteractionIndex(loadInteractionTable());
  return defaultIndex;
}
