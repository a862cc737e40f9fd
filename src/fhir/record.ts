/**
 * PatientRecord assembly, the entry point every stage imports: links Conditions, Procedures,
 * MedicationRequests, notes and allergies to their patient and encounter, for R4 and the STU3 shapes older
 * exports still use. The work is split by concern: `assemble.ts` (the order of the steps), `shape.ts`
 * (malformed fields), `linking.ts` (references), `extract/` (one extractor per resource type),
 * `timeline.ts` (time order and active conditions).
 */
export { assembleRecord, assembleRecords, FhirInputError, type AssembleOptions, type AssembleRecordOptions } from './assemble';
export { activeConditionsAt } from './timeline';
