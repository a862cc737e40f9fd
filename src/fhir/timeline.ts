/** A record's timeline: everything sorted by time, grouped by encounter, and the conditions active at each. */
import type { ConditionEntry, EncounterView, PatientRecord } from './types';

/** Sorts everything by time and fills each encounter's lists and active conditions. */
export function finishRecord(record: PatientRecord): void {
  record.encounters.sort((a, b) => compareTimes(a.start, b.start) || compareIds(a.id, b.id));
  record.conditions.sort((a, b) => compareTimes(a.onset ?? a.recorded, b.onset ?? b.recorded) || compareIds(a.id, b.id));
  record.procedures.sort((a, b) => compareTimes(a.date, b.date) || compareIds(a.id, b.id));
  record.notes.sort((a, b) => compareTimes(a.date, b.date) || compareIds(a.id, b.id));
  record.medications.sort((a, b) => compareTimes(a.authoredOn, b.authoredOn) || compareIds(a.id, b.id));
  record.allergies.sort((a, b) => compareTimes(a.recorded ?? a.onset, b.recorded ?? b.onset) || compareIds(a.id, b.id));

  // The patient-level lists are sorted, so grouping them keeps each encounter's lists in time order too.
  const diagnosed = groupByEncounter(record.conditions);
  const procedures = groupByEncounter(record.procedures);
  const notes = groupByEncounter(record.notes);
  const medications = groupByEncounter(record.medications);
  for (const view of record.encounters) {
    view.diagnosed = diagnosed.get(view.id) ?? [];
    view.procedures = procedures.get(view.id) ?? [];
    view.notes = notes.get(view.id) ?? [];
    view.medications = medications.get(view.id) ?? [];
    view.activeConditions = activeConditionsAt(record.conditions, view);
  }
}

function groupByEncounter<T extends { encounterId?: string }>(items: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    if (item.encounterId === undefined) continue;
    const group = groups.get(item.encounterId);
    if (group) group.push(item);
    else groups.set(item.encounterId, [item]);
  }
  return groups;
}

/**
 * Conditions active at the encounter's start: onset (else recorded date) at or before the start and not
 * abated before it, plus everything diagnosed in the encounter. A condition without any date counts only
 * while its clinicalStatus says active (it can then be placed in no time, so only the current status is
 * known); one that ended at an unknown time counts nowhere but where it was diagnosed.
 */
export function activeConditionsAt(conditions: readonly ConditionEntry[], view: EncounterView): ConditionEntry[] {
  const start = view.start ? Date.parse(view.start) : Number.NaN;
  return conditions.filter((condition) => {
    if (condition.encounterId === view.id) return true;
    if (Number.isNaN(start) || condition.abatedAtUnknownTime) return false;
    const began = Date.parse(condition.onset ?? condition.recorded ?? '');
    if (Number.isNaN(began)) {
      return condition.clinicalStatus === 'active' || condition.clinicalStatus === 'recurrence' || condition.clinicalStatus === 'relapse';
    }
    if (began > start) return false;
    const ended = condition.abatement ? Date.parse(condition.abatement) : Number.NaN;
    return Number.isNaN(ended) || ended >= start;
  });
}

/** Undefined times sort last; unparseable ones too. */
function compareTimes(a: string | undefined, b: string | undefined): number {
  const ta = a ? Date.parse(a) : Number.NaN;
  const tb = b ? Date.parse(b) : Number.NaN;
  if (Number.isNaN(ta)) return Number.isNaN(tb) ? 0 : 1;
  if (Number.isNaN(tb)) return -1;
  return ta - tb;
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
