/**
 * What an encounter's notes add to its prompt, in the prompt's own representation: medication-list items
 * become candidate names (as structured orders do), free-text sections lose the patient's name, SNOMED
 * semantic tags and every drug first ordered in the encounter. Sections that record the encounter's own
 * decisions (plan, discharge medications) never leave this module (label leakage).
 */
import type { EncounterView } from '../fhir/types';
import type { MedicationVocabulary } from '../medications/types';
import type { DrugKeyOf } from './medication-history';
import { splitMedicationList, splitNoteSections, type NoteSections, type SectionName } from './note-sections';

/** Sections whose text may enter a prompt. Everything else (plan, discharge medications, other) may not. */
export const PROMPT_SECTIONS: readonly SectionName[] = [
  'chiefComplaint',
  'historyOfPresentIllness',
  'pastMedicalHistory',
  'allergies',
  'medicationsOnAdmission',
];

/** Drugs first ordered in the encounter being predicted: never named by anything in its prompt. */
export interface NewlyOrdered {
  candidates: ReadonlySet<string>;
  /** Lower-case ingredient words (or product names of drugs outside the vocabulary). */
  words: readonly string[];
}

const SEMANTIC_TAG =
  /\s*\((disorder|finding|procedure|situation|morphologic abnormality|regime\/therapy|observable entity|qualifier value|person|event|substance|product|body structure)\)/gi;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Note text of the encounter, sections merged across its notes (several notes may exist per visit). */
export function encounterNoteSections(encounter: EncounterView): NoteSections {
  const merged: NoteSections = {};
  for (const note of encounter.notes) {
    const sections = splitNoteSections(note.text);
    for (const name of PROMPT_SECTIONS) {
      const text = sections[name];
      if (text) merged[name] = merged[name] ? `${merged[name]}\n${text}` : text;
    }
  }
  return merged;
}

/** Free note text as the prompt carries it: no patient name, no semantic tags, no newly ordered drug,
 * one line, lower case like the structured concepts. */
export function scrubNoteText(text: string, nameParts: readonly string[], newly: NewlyOrdered): string {
  let scrubbed = text.replace(SEMANTIC_TAG, '');
  for (const part of nameParts) {
    if (part.length < 2) continue;
    scrubbed = scrubbed.replace(new RegExp(`\\b${escapeRegExp(part)}\\b`, 'gi'), '');
  }
  for (const word of newly.words) {
    if (word.length < 3) continue;
    scrubbed = scrubbed.replace(new RegExp(escapeRegExp(word), 'gi'), '[redacted]');
  }
  return scrubbed
    .replace(/^\s*[-*•]\s*/gm, '')
    .replace(/\s+/g, ' ')
    .replace(/^[\s,.;]+/, '')
    .trim()
    .toLowerCase();
}

/** The note's medication list as drug names (`drugKey`: the candidate, else the normalised product name),
 * without the drugs first ordered in the encounter. */
export function noteMedications(section: string, vocab: MedicationVocabulary, keyOf: DrugKeyOf, newly: NewlyOrdered): string[] {
  const out: string[] = [];
  for (const item of splitMedicationList(section)) {
    const concept = { display: item, codings: [] };
    const name = keyOf(concept);
    if (newly.candidates.has(name)) continue;
    // Outside the vocabulary the name is only as good as the text: a newly ordered drug's words exclude it.
    const lower = item.toLowerCase();
    if (!vocab.normalise(concept).covered && newly.words.some((word) => lower.includes(word))) continue;
    out.push(name);
  }
  return out;
}

/** "No Known Allergies." and the like: the note says there is nothing, as the structured list can. */
export function saysNone(text: string): boolean {
  return /^(none|no known|nka|nkda|no active|no current)\b/i.test(text.trim());
}
