/**
 * The drug–drug interaction table (fhir-mappings/interactions.json, built by scripts/build-interactions.ts
 * from the ONC high-priority list and the HL7 PDDI-CDS value sets) and its lookup index.
 */
import * as path from 'path';
import { readJsonFile } from '../json-file';
import { FHIR_MAPPINGS_DIR } from '../paths';
import type { Severity } from './types';

/** A named drug set: ingredient names (candidate naming) and, for PDDI-CDS value sets, RxNorm product codes. */
export interface DrugGroup {
  label: string;
  ingredients: string[];
  rxnorm: string[];
  source: string;
}

/** One side of an interaction: a named group, or a list of ingredients. */
export type InteractionSide = { group: string } | { ingredients: string[] };

export type RiskFactor =
  | { kind: 'condition'; conditionSet: string; text: string }
  | { kind: 'age-over'; years: number; text: string }
  /** Another drug of `group` taken besides the pair (a concurrent corticosteroid, a second NSAID...). */
  | { kind: 'concurrent-drug'; group: string; text: string }
  /** The drug of `group` in the pair is a draft and the patient is not already taking it (a new start). */
  | { kind: 'new-start'; group: string; text: string };

export interface InteractionRule {
  id: string;
  source: 'ONC' | 'PDDI-CDS';
  a: InteractionSide;
  b: InteractionSide;
  severity: Severity;
  consequence: string;
  action?: string;
  /** When the drug on `side` belongs only to `group` (e.g. topical diclofenac), the severity becomes `severity`. */
  exceptions?: { side: 'a' | 'b'; group: string; severity: Severity; text: string }[];
  /** Any of these present (and no mitigating factor) raises the severity to `raisedSeverity`. */
  riskFactors?: RiskFactor[];
  mitigatingFactors?: { kind: 'concurrent-drug'; group: string; text: string }[];
  raisedSeverity?: Severity;
}

export interface ConditionSet {
  label: string;
  /** SNOMED CT code → display. */
  snomed: Record<string, string>;
}

export interface InteractionTable {
  description: string;
  sources: Record<string, string>;
  groups: Record<string, DrugGroup>;
  conditionSets: Record<string, ConditionSet>;
  interactions: InteractionRule[];
}

export const DEFAULT_INTERACTIONS_FILE = path.join(FHIR_MAPPINGS_DIR, 'interactions.json');

/** A drug reduced to what the table is keyed by. */
export interface DrugKeys {
  ingredients: readonly string[];
  rxnorm: readonly string[];
}

/** Whether every product code of the drug is in the group (a drug known only by ingredient never is). */
export function onlyInGroup(group: DrugGroup, drug: DrugKeys): boolean {
  return drug.rxnorm.length > 0 && drug.rxnorm.every((code) => group.rxnorm.includes(code));
}

/** The interaction table with indexes from ingredient and RxNorm code to the rules whose sides name them. */
export class InteractionIndex {
  private readonly byIngredient = new Map<string, Set<InteractionRule>>();
  private readonly byCode = new Map<string, Set<InteractionRule>>();
  private readonly groupSets = new Map<string, { ingredients: Set<string>; rxnorm: Set<string> }>();

  constructor(readonly table: InteractionTable) {
    for (const [name, group] of Object.entries(table.groups)) {
      this.groupSets.set(name, { ingredients: new Set(group.ingredients), rxnorm: new Set(group.rxnorm) });
    }
    for (const rule of table.interactions) {
      for (const side of [rule.a, rule.b]) {
        if ('group' in side) {
          const group = table.groups[side.group];
          if (!group) throw new Error(`interaction ${rule.id} names unknown group ${side.group}`);
          for (const ingredient of group.ingredients) add(this.byIngredient, ingredient, rule);
          for (const code of group.rxnorm) add(this.byCode, code, rule);
        } else {
          for (const ingredient of side.ingredients) add(this.byIngredient, ingredient, rule);
        }
      }
    }
  }

  /** Whether a drug is on a side (by ingredient, or by RxNorm code for value-set groups). */
  onSide(side: InteractionSide, drug: DrugKeys): boolean {
    if ('group' in side) {
      const sets = this.groupSets.get(side.group);
      return Boolean(sets && (drug.ingredients.some((i) => sets.ingredients.has(i)) || drug.rxnorm.some((c) => sets.rxnorm.has(c))));
    }
    return drug.ingredients.some((ingredient) => side.ingredients.includes(ingredient));
  }

  inGroup(groupName: string, drug: DrugKeys): boolean {
    return this.onSide({ group: groupName }, drug);
  }

  /** The rules that apply to the pair, each with the pair in the rule's a/b order. */
  rulesFor<T extends DrugKeys>(x: T, y: T): { rule: InteractionRule; a: T; b: T }[] {
    const candidates = new Set<InteractionRule>();
    for (const drug of [x, y]) {
      for (const ingredient of drug.ingredients) for (const rule of this.byIngredient.get(ingredient) ?? []) candidates.add(rule);
      for (const code of drug.rxnorm) for (const rule of this.byCode.get(code) ?? []) candidates.add(rule);
    }
    const matches: { rule: InteractionRule; a: T; b: T }[] = [];
    for (const rule of candidates) {
      if (this.onSide(rule.a, x) && this.onSide(rule.b, y)) matches.push({ rule, a: x, b: y });
      else if (this.onSide(rule.a, y) && this.onSide(rule.b, x)) matches.push({ rule, a: y, b: x });
    }
    return matches;
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
