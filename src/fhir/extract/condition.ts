/** Condition → ConditionEntry (R4 and STU3 statuses, onset/abatement in every form). */
import { toConcept } from '../concepts';
import type { RecordLinker } from '../linking';
import type { ConditionEntry } from '../types';
import { dropUndefined, statusCode, type AnyCondition } from '../versions';

export function addCondition(condition: AnyCondition, linker: RecordLinker): void {
  const verification = statusCode(condition.verificationStatus);
  if (verification === 'entered-in-error' || verification === 'refuted') return linker.skipQuietly();
  const record = linker.ownerOf(condition, condition.subject);
  if (!record) return;
  const concept = toConcept(condition.code);
  if (!concept) return linker.skip(condition, 'warning', 'Condition without a usable code skipped');
  const entry: ConditionEntry = {
    id: condition.id as string,
    concept,
    clinicalStatus: statusCode(condition.clinicalStatus),
    onset: condition.onsetDateTime ?? condition.onsetPeriod?.start,
    abatement: condition.abatementDateTime ?? condition.abatementPeriod?.start,
    recorded: condition.recordedDate ?? condition.assertedDate,
  };
  if (
    !entry.abatement &&
    (condition.abatementBoolean === true ||
      condition.abatementString !== undefined ||
      condition.abatementAge !== undefined ||
      condition.abatementRange !== undefined)
  ) {
    entry.abatedAtUnknownTime = true;
  }
  const slot = linker.encounterOf(condition, condition.encounter ?? condition.context, record);
  if (slot) entry.encounterId = slot.view.id;
  dropUndefined(entry);
  record.conditions.push(entry);
}
