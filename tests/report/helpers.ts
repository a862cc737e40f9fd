/** Synthetic per-visit outcomes for the report's unit tests (no model, no data set). */
import type { MethodOutcomes, VisitOutcome } from '../../src/report/types';

export function visit(patient: string, encounter: string, truth: string[], predicted: string[], scores: Record<string, number> = {}, extra: Partial<VisitOutcome> = {}): VisitOutcome {
  const all = { ...Object.fromEntries(predicted.map((d) => [d, 0.9])), ...scores };
  return { patientKey: patient, encounterKey: encounter, population: 'pop', truth, predicted, scores: new Map(Object.entries(all)), ...extra };
}

export function method(name: string, visits: VisitOutcome[], extra: Partial<MethodOutcomes> = {}): MethodOutcomes {
  return { method: name, probabilistic: false, visits, ...extra };
}
