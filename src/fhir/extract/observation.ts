/** Observation → LabResult, for the lab kinds of fhir-mappings/lab-codes.json (the collector kept no others). */
import type { Observation } from 'fhir/r4';
import { readLabResult } from '../labs';
import type { RecordLinker } from '../linking';

export function addObservation(observation: Observation, linker: RecordLinker): void {
  const read = readLabResult(observation);
  if (!read) return linker.skipQuietly();
  if ('problem' in read) {
    // An unconvertible unit or a cancelled result is not a value to judge by: counted and reported, never guessed.
    return linker.skip(observation, 'warning', `laboratory Observation not read (${read.problem})`);
  }
  const record = linker.ownerOf(observation, observation.subject);
  if (!record) return;
  (record.labs ??= []).push(read.result);
}
