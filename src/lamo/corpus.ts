/**
 * The pretraining corpus: the prompt text of encounters that have no medication order (the ones the dataset
 * leaves out), so that the model learns the language of the records from every visit, not only from the
 * ~20% that carry an order. No labels: it is text only. Each line carries its parts in both
 * split designs; training reads only the `train` part of the split it trains on, so test patients and
 * temporal-test encounters never enter pretraining.
 */
import type { PatientRecord } from '../fhir/types';
import type { MedicationVocabulary } from '../medications/types';
import { hashId } from '../dataset/examples';
import { internalPart, temporalPart, type Part, type SplitName, type TemporalCutoffs } from '../dataset/splits';
import { buildEncounterPrompt } from './prompt';
import type { PromptTemplates } from './types';

export interface CorpusLine {
  patient: string;
  date: string;
  text: string;
  split: Record<SplitName, Part>;
}

/** Encounters without an order, as prompt prefixes; `cutoffs` are the dataset's temporal cut-offs. */
export function pretrainingCorpus(
  records: readonly PatientRecord[],
  templates: PromptTemplates,
  vocab: MedicationVocabulary,
  cutoffs: TemporalCutoffs,
): CorpusLine[] {
  const lines: CorpusLine[] = [];
  for (const record of records) {
    for (const encounter of record.encounters) {
      if (encounter.medications.length > 0) continue;
      const date = (encounter.start ?? '').slice(0, 10);
      if (!date) continue;
      lines.push({
        patient: hashId(record.patientId),
        date,
        text: buildEncounterPrompt(record, encounter, templates, vocab).prefix,
        split: { internal: internalPart(record.patientId), temporal: temporalPart(date, cutoffs) },
      });
    }
  }
  return lines;
}
