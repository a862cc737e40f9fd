/**
 * Indication knowledge keyed by WHO ATC code, so that any drug — not only a LAMO candidate — can be judged:
 *  - fhir-mappings/indications-by-class.json: the condition groups a class (or one ingredient) treats;
 *  - fhir-mappings/no-condition-needed.json: drugs given without a condition (contraception, vaccines,
 *    smoking cessation, procedures …): a missing indication says nothing against them;
 *  - fhir-mappings/low-harm-drugs.json: drugs whose missing indication is worth an info card, never a warning.
 * Each is a closed, reviewed list with sources; a class absent from all three is simply not known.
 */
import * as path from 'path';
import { readJsonFile } from '../json-file';
import { FHIR_MAPPINGS_DIR } from '../paths';
import type { ConditionGroupsFile } from './condition-groups';

export const DEFAULT_CLASS_INDICATIONS_FILE = path.join(FHIR_MAPPINGS_DIR, 'indications-by-class.json');
export const DEFAULT_NO_CONDITION_FILE = path.join(FHIR_MAPPINGS_DIR, 'no-condition-needed.json');
export const DEFAULT_LOW_HARM_FILE = path.join(FHIR_MAPPINGS_DIR, 'low-harm-drugs.json');

/** A condition the class does not treat, though orders are written for it (antibacterials for a viral infection). */
export interface NotTreated {
  group: string;
  /** The card's indicator when it is the only apparent reason of a new order. */
  indicator: 'info' | 'warning';
  /** Why, in a clinician's words. */
  reason: string;
  sources: string[];
}

export interface ClassIndication {
  label: string;
  /** Condition groups of condition-groups.json. */
  groups: string[];
  notFor?: NotTreated[];
  /** Source ids (keys of the file's `sources`). */
  sources: string[];
  note?: string;
  review: string;
}

export interface ClassIndicationsFile {
  description: string;
  sources: Record<string, string>;
  /** ATC code or prefix (any level) → what drugs under it treat. */
  classes: Record<string, ClassIndication>;
}

export interface AtcListEntry {
  /** ATC codes or prefixes. */
  atc: string[];
  label: string;
  /** no-condition-needed.json only: what the drug is given for instead ("contraception", "procedure"). */
  use?: string;
  rationale: string;
  sources: string[];
  review: string;
}

export interface AtcListFile {
  description: string;
  sources: Record<string, string>;
  entries: AtcListEntry[];
}

const ATC_PREFIX = /^[A-Z](\d\d([A-Z]([A-Z](\d\d)?)?)?)?$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function citesListed(value: unknown, sources: Record<string, unknown>): boolean {
  return Array.isArray(value) && value.length > 0 && value.every((id) => typeof id === 'string' && id in sources);
}

export function validateClassIndications(value: unknown, groups: ConditionGroupsFile, file = 'indications-by-class.json'): ClassIndicationsFile {
  if (!isRecord(value) || !isRecord(value.sources) || !isRecord(value.classes)) throw new Error(`${file}: expected { description, sources, classes }`);
  for (const [code, entry] of Object.entries(value.classes)) {
    if (!ATC_PREFIX.test(code)) throw new Error(`${file}: "${code}" is not a WHO ATC code or prefix`);
    if (!isRecord(entry) || typeof entry.label !== 'string' || typeof entry.review !== 'string' || !Array.isArray(entry.groups) || entry.groups.length === 0) {
      throw new Error(`${file}: ${code} needs a label, condition groups and a review status`);
    }
    const unknown = (entry.groups as unknown[]).filter((group) => typeof group !== 'string' || !groups.groups[group]);
    if (unknown.length > 0) throw new Error(`${file}: ${code} names unknown condition group(s) ${unknown.join(', ')}`);
    if (!citesListed(entry.sources, value.sources)) throw new Error(`${file}: ${code} must cite sources listed in "sources"`);
    for (const not of (entry.notFor ?? []) as unknown[]) {
      const ok =
        isRecord(not) &&
        typeof not.group === 'string' &&
        Boolean(groups.groups[not.group]) &&
        (not.indicator === 'info' || not.indicator === 'warning') &&
        typeof not.reason === 'string' &&
        citesListed(not.sources, value.sources);
      if (!ok) throw new Error(`${file}: ${code}: notFor needs a known group, an indicator (info or warning), a reason and listed sources`);
    }
  }
  return value as unknown as ClassIndicationsFile;
}

export function validateAtcList(value: unknown, file: string, needsUse: boolean): AtcListFile {
  if (!isRecord(value) || !isRecord(value.sources) || !Array.isArray(value.entries)) throw new Error(`${file}: expected { description, sources, entries }`);
  for (const entry of value.entries as unknown[]) {
    if (!isRecord(entry) || typeof entry.label !== 'string' || typeof entry.rationale !== 'string' || typeof entry.review !== 'string') {
      throw new Error(`${file}: every entry needs a label, a rationale and a review status`);
    }
    if (!Array.isArray(entry.atc) || entry.atc.length === 0 || !entry.atc.every((code) => typeof code === 'string' && ATC_PREFIX.test(code))) {
      throw new Error(`${file}: ${entry.label}: "atc" must list WHO ATC codes or prefixes`);
    }
    if (needsUse && (typeof entry.use !== 'string' || entry.use === '')) throw new Error(`${file}: ${entry.label} must say what it is used for instead`);
    if (!citesListed(entry.sources, value.sources)) throw new Error(`${file}: ${entry.label} must cite sources listed in "sources"`);
  }
  return value as unknown as AtcListFile;
}

/** The class entry with the longest listed prefix of `code`, with that prefix. */
export function longestClassMatch(table: ClassIndicationsFile, code: string): { prefix: string; entry: ClassIndication } | undefined {
  for (let length = code.length; length >= 1; length--) {
    const prefix = code.slice(0, length);
    const entry = table.classes[prefix];
    if (entry) return { prefix, entry };
  }
  return undefined;
}

/** The first entry any of whose prefixes starts `code`. */
export function atcListMatch(list: AtcListFile, code: string): AtcListEntry | undefined {
  return list.entries.find((entry) => entry.atc.some((prefix) => code.startsWith(prefix)));
}

export function loadClassIndications(groups: ConditionGroupsFile, file = DEFAULT_CLASS_INDICATIONS_FILE): ClassIndicationsFile {
  return validateClassIndications(readJsonFile(file, 'class indications'), groups, file);
}

export function loadNoConditionNeeded(file = DEFAULT_NO_CONDITION_FILE): AtcListFile {
  return validateAtcList(readJsonFile(file, 'no-condition-needed list'), file, true);
}

export function loadLowHarmDrugs(file = DEFAULT_LOW_HARM_FILE): AtcListFile {
  return validateAtcList(readJsonFile(file, 'low-harm drug list'), file, false);
}
