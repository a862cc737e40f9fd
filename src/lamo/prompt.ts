/**
 * LAMO prompt builder: one encounter → the shared prompt prefix and the per-candidate suffix template.
 *
 * Label leakage is the main hazard: the prompt for encounter E must not reveal what was ordered in E.
 * So E's own orders never enter the prompt; "medications on admission" are drugs ordered before E whose
 * dates say they may still be taken; note sections that record E's decisions (plan, discharge medications)
 * are dropped; and drugs first ordered in E are removed from any note text that is kept.
 *
 * Replay from dates (issue 17 item 2): an order's `status` in exported data is its status at export time
 * (in Synthea only a drug's last order is `active`), so in a replayed encounter it would say which drugs are
 * never ordered again. What the prompt says about earlier orders comes from their dates (the medication
 * history, src/lamo/medication-history.ts); `status` is read only when `statusIsCurrent` says it is the
 * status now, i.e. in a live CDS call.
 */
import type { Concept, EncounterView, MedicationOrder, PatientRecord } from '../fhir/types';
import type { MedicationVocabulary } from '../medications/types';
import { loadNameTables } from '../medications/vocabulary';
import { candidateHistoryTexts, namesOnly, recentVisitLines } from './history-text';
import { currentDrugs, drugKeyer, medicationHistory, type DrugKeyOf, type MedicationHistory } from './medication-history';
import { encounterNoteSections, noteMedications, saysNone, scrubNoteText, type NewlyOrdered } from './note-facts';
import type { SectionName } from './note-sections';
import type { EncounterPrompt, PromptTemplates } from './types';

/** What the prompt was built from, for card evidence ("supported by …"). */
export interface PromptEvidence {
  diagnoses: string[];
  pastHistory: string[];
  procedures: string[];
  medicationsOnAdmission: string[];
  allergies: string[];
  /** Note sections that contributed text. */
  noteSections: SectionName[];
  previousDrugs: string[];
}

export interface BuiltPrompt extends EncounterPrompt {
  evidence: PromptEvidence;
}

export interface PromptOptions {
  /** Longest list kept per field: old Synthea patients carry dozens of conditions; the newest are kept. */
  maxListItems?: number;
  /** Longest text kept per note section, in characters. */
  maxSectionChars?: number;
  /** Drugs ordered in earlier encounters within this many days count as current medications. */
  recentOrderDays?: number;
  /** True only in a live CDS call: orders' statuses are current, so an `active` earlier order is a current
   * medication whatever its date. Replayed (exported) data leaves it false: statuses are never read. */
  statusIsCurrent?: boolean;
  /** How drugs are named in histories (default: the vocabulary with the project's name tables). */
  drugKeyOf?: DrugKeyOf;
  /** The patient's medication history at the encounter, when the caller has it already. */
  history?: MedicationHistory;
}

const DRUG_MARKER = '{drug}';
/** 400 characters keep a note's history of present illness to ~100 tokens: the part that says why the
 * patient came (the rest of a Synthea HPI repeats the past medical history) at a latency that fits. */
const DEFAULTS = { maxListItems: 20, maxSectionChars: 400, recentOrderDays: 365, statusIsCurrent: false };
const CLASS_NAMES: Record<string, string> = {
  AMB: 'ambulatory',
  EMER: 'emergency',
  IMP: 'inpatient',
  ACUTE: 'inpatient acute',
  NONAC: 'inpatient non-acute',
  OBSENC: 'observation',
  PRENC: 'pre-admission',
  SS: 'short stay',
  VR: 'virtual',
  HH: 'home health',
};

/** "Viral sinusitis (disorder)" → "viral sinusitis": SNOMED semantic tags add length, not meaning. */
export function conceptText(concept: Concept): string {
  return concept.display
    .replace(/\s*\((disorder|finding|procedure|situation|morphologic abnormality|regime\/therapy|observable entity|qualifier value|person|event|substance|product|body structure)\)\s*$/i, '')
    .trim()
    .toLowerCase();
}

function unique(items: string[]): string[] {
  return [...new Set(items.filter((item) => item.length > 0))];
}

/** The newest `max` items of a chronologically ordered list. */
function newest(items: string[], max: number): string[] {
  return items.length > max ? items.slice(items.length - max) : items;
}

function timeOf(date: string | undefined): number {
  const t = date ? Date.parse(date) : NaN;
  return Number.isNaN(t) ? Number.POSITIVE_INFINITY : t;
}

export function ageAt(birthDate: string | undefined, at: string | undefined): number | undefined {
  if (!birthDate || !at) return undefined;
  const birth = new Date(birthDate);
  const when = new Date(at);
  if (Number.isNaN(birth.getTime()) || Number.isNaN(when.getTime())) return undefined;
  let age = when.getUTCFullYear() - birth.getUTCFullYear();
  const beforeBirthday =
    when.getUTCMonth() < birth.getUTCMonth() ||
    (when.getUTCMonth() === birth.getUTCMonth() && when.getUTCDate() < birth.getUTCDate());
  if (beforeBirthday) age -= 1;
  return age;
}

/** One drug keyer per vocabulary, with the project's name tables (read once). */
const keyers = new WeakMap<MedicationVocabulary, DrugKeyOf>();

export function defaultDrugKeyOf(vocab: MedicationVocabulary): DrugKeyOf {
  let keyOf = keyers.get(vocab);
  if (!keyOf) {
    keyOf = drugKeyer(vocab, loadNameTables());
    keyers.set(vocab, keyOf);
  }
  return keyOf;
}

/** The name of an order's drug in prompts and histories: its candidate, else its normalised product name
 * (`drugKey`), so that every product of one drug outside the vocabulary reads the same. */
export function drugName(order: MedicationOrder, vocab: MedicationVocabulary): string {
  return defaultDrugKeyOf(vocab)(order.concept);
}

/** The most recent encounter before `encounter` that has medication orders ("previous hospitalization"). */
export function previousVisit(record: PatientRecord, encounter: EncounterView): EncounterView | undefined {
  const start = timeOf(encounter.start);
  let previous: EncounterView | undefined;
  for (const candidate of record.encounters) {
    if (candidate.id === encounter.id || candidate.medications.length === 0) continue;
    if (timeOf(candidate.start) < start) previous = candidate;
  }
  return previous;
}

/** Orders authored before `encounter` started, from other encounters. */
function ordersBefore(record: PatientRecord, encounter: EncounterView): MedicationOrder[] {
  const start = timeOf(encounter.start);
  return record.medications.filter(
    (order) => order.encounterId !== encounter.id && timeOf(order.authoredOn) < start,
  );
}

const STILL_ACTIVE = new Set(['active', 'on-hold']);

/** Ingredient words of the drugs first ordered in `encounter` (not ordered before it). */
function newlyOrderedIngredients(encounter: EncounterView, history: MedicationHistory, vocab: MedicationVocabulary, keyOf: DrugKeyOf): NewlyOrdered {
  const candidates = new Set<string>();
  const words = new Set<string>();
  for (const order of encounter.medications) {
    const name = keyOf(order.concept);
    if (history.drugs.has(name)) continue;
    candidates.add(name);
    const normalised = vocab.normalise(order.concept);
    const ingredients = normalised.covered ? normalised.ingredients : [conceptText(order.concept)];
    for (const ingredient of ingredients) words.add(ingredient.toLowerCase());
  }
  return { candidates, words: [...words] };
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max).trimEnd()} …` : text;
}

function list(items: string[]): string {
  return `[${items.join(', ')}]`;
}

interface PatientFacts {
  age?: number;
  gender?: string;
  diagnoses: string[];
  procedures: string[];
}

function demographicLine(facts: PatientFacts): string {
  return `Age: ${facts.age ?? 'unknown'}, Gender: ${facts.gender ?? 'unknown'}`;
}

function historyBlock(record: PatientRecord, previous: EncounterView, keyOf: DrugKeyOf, max: number): {
  text: string;
  drugs: string[];
} {
  const drugs = unique(previous.medications.map((order) => keyOf(order.concept)));
  const diagnoses = newest(unique(previous.diagnosed.map((c) => conceptText(c.concept))), max);
  const procedures = newest(unique(previous.procedures.map((p) => conceptText(p.concept))), max);
  const facts: PatientFacts = { age: ageAt(record.birthDate, previous.start), gender: record.gender, diagnoses, procedures };
  const text = `${demographicLine(facts)}, Diagnose: ${list(diagnoses)}, Procedure: ${list(procedures)}, Drugs: ${list(drugs)}`;
  return { text, drugs };
}

/**
 * Builds the prompt for `encounter` of `record`. The encounter may be one of the record's (dataset,
 * evaluation) or the one a CDS request is about, whose draft orders are not part of the record.
 */
export function buildEncounterPrompt(
  record: PatientRecord,
  encounter: EncounterView,
  templates: PromptTemplates,
  vocab: MedicationVocabulary,
  options: PromptOptions = {},
): BuiltPrompt {
  const { maxListItems, maxSectionChars, recentOrderDays, statusIsCurrent } = { ...DEFAULTS, ...options };
  const keyOf = options.drugKeyOf ?? defaultDrugKeyOf(vocab);
  const historyInWords = templates.history !== false;
  const medications = options.history ?? medicationHistory(record, encounter, keyOf);
  const newlyOrdered = newlyOrderedIngredients(encounter, medications, vocab, keyOf);
  const sections = encounterNoteSections(encounter);
  const usedSections: SectionName[] = [];
  const noteText = (name: SectionName): string | undefined => {
    const text = sections[name];
    if (!text || saysNone(text)) return undefined;
    const scrubbed = scrubNoteText(text, record.nameParts ?? [], newlyOrdered);
    if (!scrubbed) return undefined;
    usedSections.push(name);
    return truncate(scrubbed, maxSectionChars);
  };

  // One representation whatever the source: every section is first built from structured resources;
  // a note fills a section the structured data leaves empty and adds items to lists, never replaces them.
  const diagnosed = unique([
    ...encounter.diagnosed.map((c) => conceptText(c.concept)),
    ...encounter.reasons.map(conceptText),
  ]);
  const diagnoses = newest(diagnosed, maxListItems);
  const pastHistory = newest(
    unique(encounter.activeConditions.map((c) => conceptText(c.concept))).filter((c) => !diagnosed.includes(c)),
    maxListItems,
  );
  const procedures = newest(unique(encounter.procedures.map((p) => conceptText(p.concept))), maxListItems);

  // Current medications, by dates: supply lasting to the encounter or ordered in the last `recentOrderDays`.
  // In a live call an earlier order that is active now is current too. Never the encounter's own orders.
  const start = timeOf(encounter.start);
  const live = statusIsCurrent
    ? ordersBefore(record, encounter).filter((order) => STILL_ACTIVE.has(order.status ?? '')).map((order) => keyOf(order.concept))
    : [];
  const structuredMeds = unique([...currentDrugs(medications, recentOrderDays), ...live]);
  const noteMeds = sections.medicationsOnAdmission
    ? noteMedications(sections.medicationsOnAdmission, vocab, keyOf, newlyOrdered)
    : [];
  if (noteMeds.some((m) => !structuredMeds.includes(m))) usedSections.push('medicationsOnAdmission');
  const medicationsOnAdmission = newest(unique([...structuredMeds, ...noteMeds]), maxListItems);

  const allergies = unique(
    record.allergies
      .filter((a) => !['inactive', 'resolved'].includes(a.clinicalStatus ?? '') && timeOf(a.onset ?? a.recorded) <= start)
      .map((a) => conceptText(a.concept)),
  );

  const classText = encounter.classCode ? CLASS_NAMES[encounter.classCode] ?? encounter.classCode.toLowerCase() : undefined;
  const visit = unique([classText ?? '', ...encounter.types.map(conceptText)]).join(', ');
  const facts: PatientFacts = {
    age: ageAt(record.birthDate, encounter.start),
    gender: record.gender,
    diagnoses,
    procedures,
  };
  const complaint = noteText('chiefComplaint');
  const illness = noteText('historyOfPresentIllness');
  const presentIllness = [complaint !== undefined ? `chief complaint: ${complaint}` : '', illness ?? '']
    .filter((part) => part.length > 0)
    .join('; ');
  const pastText = pastHistory.length ? list(pastHistory) : noteText('pastMedicalHistory') ?? list(pastHistory);
  const allergyText = allergies.length ? list(allergies) : noteText('allergies') ?? 'none recorded';
  const lines = [
    `${demographicLine(facts)}, Visit: ${visit || 'unknown'}`,
    presentIllness ? `History of present illness: ${presentIllness}` : undefined,
    `Past medical history: ${pastText}`,
    `Allergies: ${allergyText}`,
    `Medications on admission: ${list(medicationsOnAdmission)}`,
    ...(historyInWords ? recentVisitLines(medications) : []),
    `Diagnose: ${list(diagnoses)}, Procedure: ${list(procedures)}, Candidate drug: ${DRUG_MARKER}.`,
  ].filter((line): line is string => line !== undefined);
  const input = lines.join(',\n');

  const previous = previousVisit(record, encounter);
  const history = previous ? historyBlock(record, previous, keyOf, maxListItems) : undefined;
  const template = history ? templates.withHistory : templates.withoutHistory;
  const full = template.split('{history}').join(history?.text ?? '').split('{input}').join(input);
  const at = full.indexOf(DRUG_MARKER);
  if (at < 0 || full.indexOf(DRUG_MARKER, at + 1) >= 0) {
    throw new Error('prompt template must contain {input} exactly once, and {input} must contain {drug} once');
  }
  return {
    prefix: full.slice(0, at),
    suffixTemplate: full.slice(at),
    template: history ? 'withHistory' : 'withoutHistory',
    // Without the history format the history's drugs stay the visit's extra candidates, named only.
    candidateHistory: historyInWords ? candidateHistoryTexts(medications) : namesOnly(medications),
    evidence: {
      diagnoses,
      pastHistory,
      procedures,
      medicationsOnAdmission,
      allergies,
      noteSections: unique(usedSections) as SectionName[],
      previousDrugs: history?.drugs ?? [],
    },
  };
}
