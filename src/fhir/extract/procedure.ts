/** Procedure → ProcedureEntry. */
import { toConcept } from '../concepts';
import type { RecordLinker } from '../linking';
import type { ProcedureEntry } from '../types';
import { dropUndefined, type AnyProcedure } from '../versions';

export function addProcedure(procedure: AnyProcedure, linker: RecordLinker): void {
  if (procedure.status === 'entered-in-error') return linker.skipQuietly();
  const record = linker.ownerOf(procedure, procedure.subject);
  if (!record) return;
  const concept = toConcept(procedure.code);
  if (!concept) return linker.skip(procedure, 'warning', 'Procedure without a usable code skipped');
  const entry: ProcedureEntry = {
    id: procedure.id as string,
    concept,
    date: procedure.performedDateTime ?? procedure.performedPeriod?.start,
    status: procedure.status,
  };
  const slot = linker.encounterOf(procedure, procedure.encounter ?? procedure.context, record);
  if (slot) entry.encounterId = slot.view.id;
  dropUndefined(entry);
  record.procedures.push(entry);
}
