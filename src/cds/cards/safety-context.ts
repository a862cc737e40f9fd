/** What the safety checks need to know about the patient beyond the drugs: age and conditions (interaction
 * risk factors), and the dated record of events that make a combination intended (duplicate therapy). */
import { ageAt } from '../../lamo/prompt';
import type { DuplicateContext } from '../../safety/duplicate-rules';
import { latestLabs } from '../../safety/patient-factors';
import type { PatientContext } from '../../safety/types';
import type { MedicationOrder } from '../../fhir/types';
import { activeOrRecentOrders, mayBeIncomplete, type Assessment } from '../assessment';

/** The patient's age at the decision: at the encounter's start (a replayed visit is judged at its own date), else now. */
export function ageOf(assessment: Pick<Assessment, 'record'> & Partial<Pick<Assessment, 'encounter'>>): { age?: number } {
  const start = Date.parse(assessment.encounter?.start ?? '');
  const age = ageAt(assessment.record.birthDate, (Number.isNaN(start) ? new Date() : new Date(start)).toISOString());
  return age !== undefined ? { age } : {};
}

export function patientContext(assessment: Pick<Assessment, 'record'> & Partial<Pick<Assessment, 'encounter' | 'incomplete'>>): PatientContext {
  const { age } = ageOf(assessment);
  // Labs as of the decision (contract B): a finished encounter (a replayed visit) at its end, a live one now.
  const end = Date.parse(assessment.encounter?.end ?? '');
  const labs = latestLabs(assessment.record, Number.isNaN(end) ? new Date() : new Date(end));
  const labsMayBeIncomplete = assessment.incomplete ? mayBeIncomplete({ incomplete: assessment.incomplete }, 'Observation') : false;
  return { ...(age !== undefined ? { age } : {}), conditions: assessment.record.conditions.map((condition) => condition.concept), otherMedications: [], labs, labsMayBeIncomplete };
}

/** The record at the time of the decision: the encounter's start (a replayed visit is judged at its own date), else now. */
export function duplicateContext(assessment: Pick<Assessment, 'record' | 'encounter'>): DuplicateContext {
  const start = Date.parse(assessment.encounter.start ?? '');
  return { conditions: assessment.record.conditions, procedures: assessment.record.procedures, at: Number.isNaN(start) ? new Date() : new Date(start) };
}

const RECENT_DAYS = 30;

/**
 * ATC codes of the drugs the patient takes now or was ordered in the 30 days before the decision (the call's own
 * drafts left out), for rules that need to know a patient is used to a class (a fentanyl patch only for the
 * opioid-tolerant). Undefined when the medication data may be incomplete: no finding may rest on its absence.
 */
export function recentDrugClasses(assessment: Pick<Assessment, 'record' | 'encounter' | 'active' | 'drafts' | 'incomplete'>, atcOf: (order: MedicationOrder) => readonly string[]): string[] | undefined {
  if (mayBeIncomplete(assessment, 'MedicationRequest')) return undefined;
  const drafts = new Set(assessment.drafts.map((order) => order.id));
  return [...new Set(activeOrRecentOrders(assessment, RECENT_DAYS, drafts).flatMap((order) => [...atcOf(order)]))];
}
