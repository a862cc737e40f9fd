/** The markdown evidence of model cards: the drug's P(yes) against the threshold, the conditions the record
 * links to the drug, and what the model's prompt was built from (conditions, procedures, note sections). */
import { conditionsSupporting, type Assessment, type ModelOutput } from '../assessment';
import { md, percent } from './card';

const SECTION_NAMES: Record<string, string> = {
  historyOfPresentIllness: 'history of present illness',
  pastMedicalHistory: 'past medical history',
  allergies: 'allergies',
  medicationsOnAdmission: 'medications on admission',
};

function listLine(label: string, items: readonly string[]): string | undefined {
  return items.length > 0 ? `- ${label}: ${items.map(md).join(', ')}` : undefined;
}

/** What the prompt was built from, as a markdown list. */
export function promptEvidence(model: ModelOutput): string {
  const e = model.evidence;
  const lines = [
    listLine('Diagnoses of this visit', e.diagnoses),
    listLine('Other active conditions', e.pastHistory),
    listLine('Procedures', e.procedures),
    listLine('Medications on admission', e.medicationsOnAdmission),
    listLine('Note sections', e.noteSections.map((name) => SECTION_NAMES[name] ?? name)),
    listLine("Previous visit's drugs", e.previousDrugs),
  ].filter((line): line is string => line !== undefined);
  return lines.length > 0 ? `The model read:\n${lines.join('\n')}` : 'The model read: no diagnoses, procedures or notes (the record is sparse).';
}

/** "P(yes) 12% (threshold 50%)" and the record's support for `candidate`. */
export function drugEvidence(assessment: Assessment, model: ModelOutput, candidate: string): string {
  const probability = model.probabilities.get(candidate);
  const score =
    probability === undefined
      ? `**${md(candidate)}**: not scored.`
      : `**${md(candidate)}**: model P(yes) ${percent(probability)} (recommendation threshold ${percent(model.threshold)}).`;
  const supporting = conditionsSupporting(assessment, candidate).map((c) => c.concept.display);
  const support =
    supporting.length > 0
      ? `Earlier orders of this drug were for: ${supporting.map(md).join(', ')}.`
      : 'No current condition in the record is recorded as a reason for this drug.';
  return `${score}\n\n${support}`;
}

export function modelFootnote(model: ModelOutput): string {
  return `_LAMO model version ${md(model.modelVersion)}; a recommendation aid, not a substitute for clinical judgement._`;
}
