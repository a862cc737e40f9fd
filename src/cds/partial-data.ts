/**
 * Judging on partial data (team contract F). When a type the service reads may be incomplete (a search cut
 * short, a failed search, a type never sent), findings that rest on its absence are not given — whichever
 * check produced them — and the data-gap card says what is incomplete and which checks may miss something.
 */
import type { Finding } from './findings';
import type { CardKind } from './types';

/**
 * Card kinds whose finding rests on the absence of something, and the types whose absence it reads: "no
 * indication found" needs every condition and every earlier order's reason. A kind that judges from the
 * medication history (first order, renewal) belongs here with MedicationRequest.
 */
export const RESTS_ON_ABSENCE: Partial<Record<CardKind, readonly string[]>> = {
  'unsupported-order': ['Condition', 'MedicationRequest'],
  'review-unsupported': ['Condition', 'MedicationRequest'],
  'confirm-indication': ['Condition', 'MedicationRequest'],
};

/** The findings that do not rest on the absence of data that may be incomplete. */
export function withoutAbsenceFindings(findings: readonly Finding[], incomplete: ReadonlyMap<string, string>): Finding[] {
  return findings.filter((finding) => !(RESTS_ON_ABSENCE[finding.kind] ?? []).some((type) => incomplete.has(type)));
}

/** Per type: what a clinician calls it, and what may miss something when it is incomplete. */
const CONSEQUENCES: Record<string, { name: string; misses: string }> = {
  MedicationRequest: {
    name: 'Medication orders',
    misses: "interactions and duplicate therapy with the patient's other orders, and the medication history the model reads (a suggestion may name a drug already ordered)",
  },
  Condition: { name: 'Conditions', misses: 'contraindications, and indications: no "no indication found" warning is given' },
  AllergyIntolerance: { name: 'Allergies', misses: 'allergy conflicts' },
  Observation: { name: 'Laboratory results', misses: 'checks that depend on laboratory values (renal function, potassium, INR)' },
  Encounter: { name: 'Encounters', misses: "the visit history the model reads, and finding today's encounter" },
  Procedure: { name: 'Procedures', misses: 'what the model reads' },
  DocumentReference: { name: 'Clinical notes', misses: 'what the model reads' },
  Patient: { name: "The patient's details", misses: 'age-dependent checks' },
};

/** Types whose absence silences a safety or indication check: worth a card even when simply not sent. */
const CHECKED = new Set(['MedicationRequest', 'Condition', 'AllergyIntolerance']);

export interface PartialEntry {
  /** "Medication orders" */
  name: string;
  /** "20 of 35 read; the next page could not be read (HTTP 500)" */
  why: string;
  /** What may miss something. */
  misses: string;
}

/**
 * The entries a clinician should be told of: every search cut short or failed, and the checked types that were
 * never sent (a type only the model reads — procedures, notes — that a client does not send is its choice).
 */
export function partialEntries(incomplete: ReadonlyMap<string, string>, notSent: ReadonlySet<string>): PartialEntry[] {
  const entries: PartialEntry[] = [];
  // The types a check needs first, in the order of CONSEQUENCES; unknown types last.
  const rank = (type: string): number => (type in CONSEQUENCES ? Object.keys(CONSEQUENCES).indexOf(type) : Number.MAX_SAFE_INTEGER);
  for (const [type, why] of [...incomplete].sort(([a], [b]) => rank(a) - rank(b))) {
    if (notSent.has(type) && !CHECKED.has(type)) continue;
    const words = CONSEQUENCES[type] ?? { name: type, misses: 'the checks that read it' };
    entries.push({ name: words.name, why, misses: words.misses });
  }
  return entries;
}
