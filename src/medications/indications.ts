/**
 * What each candidate drug treats (fhir-mappings/indications.json, built by scripts/build-indications.ts from
 * the reasonReference/reasonCode links of the training populations plus reviewed entries from cited public
 * sources). The CDS cards ask it two things: does the record hold an active condition that supports this
 * drug, and is any indication known for the drug at all.
 */
import * as path from 'path';
import type { Concept, ConditionEntry } from '../fhir/types';
import { readJsonFile } from '../json-file';
import { FHIR_MAPPINGS_DIR } from '../paths';
import {
  codesOf,
  conceptMatchesCodes,
  loadConditionGroups,
  type CodedCondition,
  type ConditionCodes,
  type ConditionGroupsFile,
} from './condition-groups';

export const DEFAULT_INDICATIONS_FILE = path.join(FHIR_MAPPINGS_DIR, 'indications.json');

export const PENDING_REVIEW = 'pending clinical review';

/**
 * One indication of a drug: a single coded condition or a reviewed concept group.
 * `origin` 'synthea': seen as the reason of orders in the training populations (`counts` per population);
 * 'reviewed': added by hand from the cited `source` (a DailyMed SPL set id, a guideline).
 */
export type Indication =
  | { condition: CodedCondition; origin: 'synthea'; counts: Record<string, number> }
  | { condition: CodedCondition; origin: 'reviewed'; source: string; review: string }
  | { group: string; origin: 'reviewed'; source: string; review: string };

export interface DrugIndications {
  indications: Indication[];
  /**
   * Set when no indication is known, with why: 'contraception' and 'procedure' drugs are given without a
   * condition (so a missing one is no evidence against them); 'unknown': nothing is known yet.
   */
  noIndicationKnown?: { reason: string; use: 'contraception' | 'procedure' | 'unknown'; review: string };
  /**
   * Reason links of the training data a reviewer rejected as not an indication (an antibiotic for a viral
   * infection, insulin for prediabetes), with why and, in the built table, their counts. Never matched.
   */
  rejectedLinks?: RejectedLink[];
}

export interface RejectedLink {
  system: CodedCondition['system'];
  code: string;
  reason: string;
  source: string;
  review: string;
  counts?: Record<string, number>;
}

/** The shape of fhir-mappings/indications.json. */
export interface IndicationsFile {
  description: string;
  /** Source identifier → citation. */
  sources: Record<string, string>;
  /** Candidate name → its indications. Every candidate of medications.json is listed (a test keeps it so). */
  drugs: Record<string, DrugIndications>;
  /**
   * Drugs outside the candidates (by their candidate-style name, e.g. "tramadol"): the reason links of their
   * orders in the training patients only. They quiet a "no indication" finding; they never make a suggestion.
   */
  otherDrugs?: Record<string, { indications: Indication[] }>;
}

/** A matched indication: the condition concept of the record and what in the table it matched. */
export interface SupportingCondition<C> {
  condition: C;
  /** The group id or "snomed:CODE" / "icd10cm:CODE" of the indication that matched. */
  matched: string;
  /** Label of the group, or the display of the coded condition. */
  label: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function validateIndications(value: unknown, groups: ConditionGroupsFile, file = 'indications.json'): IndicationsFile {
  if (!isRecord(value) || !isRecord(value.drugs) || !isRecord(value.sources)) throw new Error(`${file}: expected { description, sources, drugs }`);
  for (const [name, entry] of Object.entries(value.drugs)) {
    if (!isRecord(entry) || !Array.isArray(entry.indications)) throw new Error(`${file}: ${name} needs an indications list`);
    for (const link of (entry.rejectedLinks ?? []) as unknown[]) {
      if (!isRecord(link) || typeof link.code !== 'string' || typeof link.reason !== 'string' || typeof link.source !== 'string' || !(link.source in value.sources)) {
        throw new Error(`${file}: ${name}: a rejected link needs a code, a reason and a listed source`);
      }
    }
    if (entry.indications.length === 0 && !isRecord(entry.noIndicationKnown)) {
      throw new Error(`${file}: ${name} has no indication and does not say "no indication known"`);
    }
    validateEntries(name, entry.indications as unknown[], groups, value.sources, file);
  }
  if (value.otherDrugs !== undefined) {
    if (!isRecord(value.otherDrugs)) throw new Error(`${file}: otherDrugs must map a drug name to its indications`);
    for (const [name, entry] of Object.entries(value.otherDrugs)) {
      if (!isRecord(entry) || !Array.isArray(entry.indications) || entry.indications.length === 0) throw new Error(`${file}: ${name} needs an indications list`);
      if ((entry.indications as unknown[]).some((indication) => !isRecord(indication) || indication.origin !== 'synthea')) {
        throw new Error(`${file}: ${name}: a drug outside the candidates has only indications mined from the data ("synthea")`);
      }
      validateEntries(name, entry.indications as unknown[], groups, value.sources, file);
    }
  }
  return value as unknown as IndicationsFile;
}

function validateEntries(name: string, indications: unknown[], groups: ConditionGroupsFile, sources: Record<string, unknown>, file: string): void {
  for (const indication of indications) {
    if (!isRecord(indication)) throw new Error(`${file}: ${name}: bad indication`);
    if (typeof indication.group === 'string') {
      if (!groups.groups[indication.group]) throw new Error(`${file}: ${name} names unknown condition group ${indication.group}`);
    } else if (!isRecord(indication.condition) || typeof indication.condition.code !== 'string') {
      throw new Error(`${file}: ${name}: an indication needs a group or a coded condition`);
    }
    if (indication.origin === 'reviewed') {
      if (typeof indication.source !== 'string' || !(indication.source in sources)) throw new Error(`${file}: ${name}: a reviewed indication must cite a listed source`);
    } else if (indication.origin !== 'synthea' || !isRecord(indication.counts)) {
      throw new Error(`${file}: ${name}: an indication is "reviewed" (with a source) or "synthea" (with counts)`);
    }
  }
}

/** The indication table with its concept groups, ready for lookups. */
export class IndicationKnowledge {
  private readonly codes = new Map<string, { key: string; label: string; codes: ConditionCodes }[]>();

  constructor(
    readonly table: IndicationsFile,
    readonly groups: ConditionGroupsFile,
  ) {
    for (const [name, entry] of [...Object.entries(table.drugs), ...Object.entries(table.otherDrugs ?? {})]) {
      this.codes.set(
        name,
        entry.indications.map((indication) => {
          if ('group' in indication) {
            const group = groups.groups[indication.group];
            return { key: indication.group, label: group.label, codes: group };
          }
          const { condition } = indication;
          return { key: `${condition.system}:${condition.code}`, label: condition.display, codes: codesOf(condition) };
        }),
      );
    }
  }

  /** Whether the candidate is listed (a candidate the table does not know is a data error upstream). */
  isListed(candidate: string): boolean {
    return candidate in this.table.drugs;
  }

  /** Whether the table says anything about the drug: a candidate, or another drug with mined reason links. */
  knows(name: string): boolean {
    return this.codes.has(name);
  }

  /** Whether any indication is known for the candidate (false for "no indication known" and unknown drugs). */
  hasKnownIndication(candidate: string): boolean {
    return (this.codes.get(candidate)?.length ?? 0) > 0;
  }

  indicationsOf(name: string): Indication[] {
    return this.table.drugs[name]?.indications ?? this.table.otherDrugs?.[name]?.indications ?? [];
  }

  /** Why no indication is known (contraception, procedure), if so. */
  noIndicationKnown(candidate: string): DrugIndications['noIndicationKnown'] {
    return this.table.drugs[candidate]?.noIndicationKnown;
  }

  /**
   * The given (active) condition concepts that the candidate treats, in their order, each once. Allergy
   * concepts (AllergyIntolerance.code) may be passed too: antihistamines and epinephrine are indicated by
   * recorded environmental and food allergies, which Synthea records only as AllergyIntolerance.
   */
  supportingConditions(candidate: string, activeConditions: readonly Concept[]): Concept[] {
    return this.supporting(candidate, activeConditions, (concept) => concept).map((match) => match.condition);
  }

  /** The same for condition entries (so a card can set reasonReference to the Condition's id). */
  supportingEntries(candidate: string, conditions: readonly ConditionEntry[]): SupportingCondition<ConditionEntry>[] {
    return this.supporting(candidate, conditions, (entry) => entry.concept);
  }

  private supporting<C>(candidate: string, conditions: readonly C[], conceptOf: (condition: C) => Concept): SupportingCondition<C>[] {
    const indications = this.codes.get(candidate) ?? [];
    const found: SupportingCondition<C>[] = [];
    for (const condition of conditions) {
      const match = indications.find((indication) => conceptMatchesCodes(conceptOf(condition), indication.codes));
      if (match) found.push({ condition, matched: match.key, label: match.label });
    }
    return found;
  }
}

/** Loads indications.json and the condition groups it refers to; throws with the file name on bad data. */
export function loadIndications(file = DEFAULT_INDICATIONS_FILE, groups: ConditionGroupsFile = loadConditionGroups()): IndicationKnowledge {
  return new IndicationKnowledge(validateIndications(readJsonFile(file, 'indication table'), groups, file), groups);
}
