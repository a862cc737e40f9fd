/**
 * Reviewed concept groups of conditions (fhir-mappings/condition-groups.json): named sets of SNOMED CT and
 * ICD-10-CM codes ("hypertension", "chronic kidney disease") that the indication and contraindication
 * tables refer to. Matching is by code only, never by text: a display can be reworded, a code cannot.
 */
import * as path from 'path';
import { knownSystem } from '../fhir/concepts';
import type { Concept } from '../fhir/types';
import { readJsonFile } from '../json-file';
import { FHIR_MAPPINGS_DIR } from '../paths';

export const DEFAULT_CONDITION_GROUPS_FILE = path.join(FHIR_MAPPINGS_DIR, 'condition-groups.json');

/** Codes of conditions: SNOMED CT and ICD-10-CM code → display (displays are for reviewers, not matching). */
export interface ConditionCodes {
  snomed?: Record<string, string>;
  icd10cm?: Record<string, string>;
  /** ICD-10-CM category prefixes ("I10", "N18"): every code starting with one belongs to the group. */
  icd10cmPrefixes?: string[];
}

export interface ConditionGroup extends ConditionCodes {
  label: string;
  /** Where the grouping comes from (a guideline, a value set), by identifier. */
  source: string;
  /** "pending clinical review" until a clinician has signed it off. */
  review: string;
}

export interface ConditionGroupsFile {
  description: string;
  groups: Record<string, ConditionGroup>;
}

/** A single coded condition, as the built tables name it. */
export interface CodedCondition {
  system: 'snomed' | 'icd10cm';
  code: string;
  display: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCodeMap(value: unknown): boolean {
  return value === undefined || (isRecord(value) && Object.values(value).every((display) => typeof display === 'string'));
}

export function validateConditionGroups(value: unknown, file = 'condition-groups.json'): ConditionGroupsFile {
  if (!isRecord(value) || !isRecord(value.groups)) throw new Error(`${file}: expected { description, groups: {...} }`);
  for (const [id, group] of Object.entries(value.groups)) {
    if (!isRecord(group) || typeof group.label !== 'string' || typeof group.source !== 'string' || typeof group.review !== 'string') {
      throw new Error(`${file}: group ${id} needs label, source and review`);
    }
    if (!isCodeMap(group.snomed) || !isCodeMap(group.icd10cm)) throw new Error(`${file}: group ${id}: codes must map code → display`);
    const prefixes = group.icd10cmPrefixes;
    if (prefixes !== undefined && (!Array.isArray(prefixes) || !prefixes.every((p) => typeof p === 'string' && p.length >= 3))) {
      throw new Error(`${file}: group ${id}: icd10cmPrefixes must be ICD-10-CM categories (3+ characters)`);
    }
    const size = Object.keys(group.snomed ?? {}).length + Object.keys(group.icd10cm ?? {}).length + (Array.isArray(prefixes) ? prefixes.length : 0);
    if (size === 0) throw new Error(`${file}: group ${id} has no codes`);
  }
  return value as unknown as ConditionGroupsFile;
}

export function loadConditionGroups(file = DEFAULT_CONDITION_GROUPS_FILE): ConditionGroupsFile {
  return validateConditionGroups(readJsonFile(file, 'condition groups'), file);
}

/** ICD-10-CM codes are written with or without the dot ("I10", "E11.9", "E119"): compare without it. */
function icdKey(code: string): string {
  return code.replace(/\./g, '').trim().toUpperCase();
}

/** Whether any coding of the concept is one of the codes (SNOMED CT or ICD-10-CM, aliases of the systems allowed). */
export function conceptMatchesCodes(concept: Concept, codes: ConditionCodes): boolean {
  return concept.codings.some((coding) => {
    const code = coding.code?.trim();
    if (!code) return false;
    switch (knownSystem(coding.system)) {
      case 'snomed':
        return codes.snomed !== undefined && Object.prototype.hasOwnProperty.call(codes.snomed, code);
      case 'icd10cm': {
        const key = icdKey(code);
        return (
          Object.keys(codes.icd10cm ?? {}).some((listed) => icdKey(listed) === key) ||
          (codes.icd10cmPrefixes ?? []).some((prefix) => key.startsWith(icdKey(prefix)))
        );
      }
      default:
        return false;
    }
  });
}

/** The codes of one coded condition, in the shape `conceptMatchesCodes` reads. */
export function codesOf(condition: CodedCondition): ConditionCodes {
  return { [condition.system]: { [condition.code]: condition.display } };
}
