/**
 * The encounter a decision is about. The hook context names it when the EHR sends `encounterId`; many do not
 * (the CDS Hooks sandbox never does), and a card judged without the visit must not contradict the SMART app
 * that knows it. So, in order: the context's encounter, the one the draft orders name (R4 `encounter`, STU3
 * `context`), the patient's encounter in progress (status `in-progress`, the latest started), else none — and
 * then the cards say they were judged without today's encounter (cards/evidence.ts).
 */
import type { FhirResource } from 'fhir/r4';
import { activeConditionsAt } from '../fhir/record';
import { referencedId } from '../fhir/references';
import type { EncounterView, PatientRecord } from '../fhir/types';
import { isActiveCondition, type EncounterBasis } from './assessment';

export interface DecisionEncounterRef {
  id?: string;
  basis: EncounterBasis;
}

/** The one encounter the draft orders name, if they name exactly one. */
export function encounterOfDrafts(drafts: readonly FhirResource[]): string | undefined {
  const ids = new Set<string>();
  for (const draft of drafts) {
    if (draft.resourceType !== 'MedicationRequest') continue;
    const holder = draft as { encounter?: { reference?: unknown }; context?: { reference?: unknown } };
    const reference = holder.encounter?.reference ?? holder.context?.reference;
    const id = typeof reference === 'string' && /(?:^|\/)Encounter\/[^/]+$/.test(reference) ? referencedId(reference) : undefined;
    if (id) ids.add(id);
  }
  return ids.size === 1 ? [...ids][0] : undefined;
}

/** The patient's encounter in progress, the latest started when there are several. */
export function encounterInProgress(record: PatientRecord): string | undefined {
  const open = record.encounters.filter((encounter) => encounter.status === 'in-progress');
  open.sort((a, b) => (Date.parse(a.start ?? '') || 0) - (Date.parse(b.start ?? '') || 0));
  return open[open.length - 1]?.id;
}

/** The encounter known before the record is gathered: the context's, else the drafts'. */
export function knownEncounter(contextEncounterId: string | undefined, drafts: readonly FhirResource[]): DecisionEncounterRef {
  if (contextEncounterId) return { id: contextEncounterId, basis: 'context' };
  const fromDrafts = encounterOfDrafts(drafts);
  return fromDrafts ? { id: fromDrafts, basis: 'draft orders' } : { basis: 'none' };
}

/** The known encounter, else the record's encounter in progress, else none. */
export function resolveEncounter(known: DecisionEncounterRef, record: PatientRecord): DecisionEncounterRef {
  if (known.id) return known;
  const open = encounterInProgress(record);
  return open ? { id: open, basis: 'in progress' } : { basis: 'none' };
}

/**
 * The encounter view the decision is about. The record's own, when it has the encounter; otherwise one that
 * stands for "now": conditions of that encounter (or the active problem list) as its diagnoses.
 */
export function decisionEncounter(record: PatientRecord, encounterId: string | undefined, now: Date): EncounterView {
  const known = encounterId ? record.encounters.find((encounter) => encounter.id === encounterId) : undefined;
  if (known) return known;
  const ofEncounter = record.conditions.filter((condition) => encounterId !== undefined && condition.encounterId === encounterId);
  const view: EncounterView = {
    id: encounterId ?? 'current',
    start: now.toISOString(),
    types: [],
    reasons: [],
    diagnosed: ofEncounter.length > 0 ? ofEncounter : record.conditions.filter(isActiveCondition),
    activeConditions: [],
    procedures: record.procedures.filter((procedure) => encounterId !== undefined && procedure.encounterId === encounterId),
    notes: record.notes.filter((note) => encounterId !== undefined && note.encounterId === encounterId),
    medications: [],
  };
  view.activeConditions = activeConditionsAt(record.conditions, view);
  return view;
}
