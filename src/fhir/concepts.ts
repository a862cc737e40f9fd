/** CodeableConcept → Concept: one preferred coding plus every coding the source carried. */
import type { CodeableConcept, Coding } from 'fhir/r4';
import type { Concept } from './types';

export const SNOMED_CT_SYSTEM = 'http://snomed.info/sct';
export const ICD10CM_SYSTEM = 'http://hl7.org/fhir/sid/icd-10-cm';
export const RXNORM_SYSTEM = 'http://www.nlm.nih.gov/research/umls/rxnorm';

type PreferredSystem = 'snomed' | 'icd10cm' | 'rxnorm';

/** Canonical URIs and the OIDs some exporters (C-CDA converters, older EHRs) use for the same systems. */
const SYSTEM_ALIASES: ReadonlyMap<string, PreferredSystem> = new Map<string, PreferredSystem>([
  [SNOMED_CT_SYSTEM, 'snomed'],
  ['urn:oid:2.16.840.1.113883.6.96', 'snomed'],
  [ICD10CM_SYSTEM, 'icd10cm'],
  ['urn:oid:2.16.840.1.113883.6.90', 'icd10cm'],
  [RXNORM_SYSTEM, 'rxnorm'],
  ['urn:oid:2.16.840.1.113883.6.88', 'rxnorm'],
]);

const PREFERENCE: Record<PreferredSystem, number> = { snomed: 0, icd10cm: 1, rxnorm: 2 };
const NOT_PREFERRED = 3;

/** Which well-known system a coding system URI names, tolerating a trailing slash. */
export function knownSystem(system: string | undefined): PreferredSystem | undefined {
  if (typeof system !== 'string' || !system) return undefined;
  return SYSTEM_ALIASES.get(system.trim().replace(/\/+$/, ''));
}

function preferenceRank(coding: Coding): number {
  const known = knownSystem(coding.system);
  return known === undefined ? NOT_PREFERRED : PREFERENCE[known];
}

function nonEmpty(value: string | undefined): string | undefined {
  // Input may carry a number or an object where a string belongs; it is not a usable string.
  const trimmed = typeof value === 'string' ? value.trim() : undefined;
  return trimmed ? trimmed : undefined;
}

/**
 * Picks the preferred coding: SNOMED CT, then ICD-10-CM, then RxNorm, then the first coding. Codings with
 * a code win over codings without one (a coding that only has a display cannot be looked up).
 */
export function preferredCoding(codings: readonly Coding[]): Coding | undefined {
  let best: Coding | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const coding of codings) {
    const score = preferenceRank(coding) + (nonEmpty(coding.code) ? 0 : 10);
    // Strictly smaller: among equals the first coding stays, as the rule "then first coding" asks.
    if (score < bestScore) {
      best = coding;
      bestScore = score;
    }
  }
  return best;
}

/**
 * Reduces a CodeableConcept to a Concept, or returns undefined when it carries nothing usable
 * (no coding with a code or display and no text).
 */
export function toConcept(source: CodeableConcept | undefined | null): Concept | undefined {
  if (!source || typeof source !== 'object') return undefined;
  const codings = Array.isArray(source.coding) ? source.coding.filter(isCodingLike) : [];
  const preferred = preferredCoding(codings);
  const display =
    nonEmpty(preferred?.display) ?? nonEmpty(source.text) ?? nonEmpty(preferred?.code) ?? firstDisplay(codings);
  if (!display) return undefined;
  const concept: Concept = { display, codings: codings.map(copyCoding) };
  const system = nonEmpty(preferred?.system);
  const code = nonEmpty(preferred?.code);
  return { ...(system ? { system } : {}), ...(code ? { code } : {}), ...concept };
}

/** A Concept from a single Coding (e.g. Encounter.class, which R4 types as a Coding). */
export function conceptFromCoding(coding: Coding | undefined): Concept | undefined {
  if (!coding) return undefined;
  return toConcept({ coding: [coding] });
}

/** True when any coding of the concept has this system (aliases allowed for the preferred systems) and code. */
export function conceptHasCode(concept: Concept, system: string, code: string): boolean {
  const wanted = knownSystem(system) ?? system;
  return concept.codings.some(
    (coding) => coding.code === code && (knownSystem(coding.system) ?? coding.system) === wanted,
  );
}

function isCodingLike(value: unknown): value is Coding {
  return typeof value === 'object' && value !== null;
}

function firstDisplay(codings: readonly Coding[]): string | undefined {
  for (const coding of codings) {
    const display = nonEmpty(coding.display) ?? nonEmpty(coding.code);
    if (display) return display;
  }
  return undefined;
}

function copyCoding(coding: Coding): Concept['codings'][number] {
  const copy: Concept['codings'][number] = {};
  if (typeof coding.system === 'string') copy.system = coding.system;
  if (typeof coding.code === 'string') copy.code = coding.code;
  if (typeof coding.display === 'string') copy.display = coding.display;
  return copy;
}

/** The usable concepts of a list of CodeableConcepts; anything but an array gives none. */
export function conceptsOf(values: readonly CodeableConcept[] | undefined): Concept[] {
  const concepts: Concept[] = [];
  if (!Array.isArray(values)) return concepts;
  for (const value of values) {
    const concept = toConcept(value);
    if (concept) concepts.push(concept);
  }
  return concepts;
}
