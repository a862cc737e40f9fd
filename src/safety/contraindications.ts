/**
 * Drug–disease contraindication check, the fourth safety check beside interactions, duplicates and
 * allergies: a drug (by ingredient or ATC class) against the patient's conditions (by reviewed concept
 * group codes), with the rules of fhir-mappings/contraindications.json. Each rule cites a public source.
 * A rule may also be met by a laboratory result (`lab`): many records carry the eGFR or the potassium but never
 * code the stage of kidney disease or the hyperkalaemia, and metformin at an eGFR of 22 must not pass unseen.
 * A rule about children is met by the patient's age (`ageBelow`: codeine under 12) and names no condition; a
 * rule for drugs only a tolerant patient may start (`unlessTaking`: a fentanyl patch needs opioid tolerance) is
 * met when the record shows no drug of the named classes now or in the past 30 days.
 */
import * as path from 'path';
import { loadConditionGroups, conceptMatchesCodes, type ConditionGroupsFile } from '../medications/condition-groups';
import { defaultLabCodes } from '../fhir/labs';
import { underAtcPrefix } from '../medications/atc';
import type { ConditionEntry } from '../fhir/types';
import { readJsonFile } from '../json-file';
import { FHIR_MAPPINGS_DIR } from '../paths';
import { describeLab, type PatientLabs } from './patient-factors';
import { shortCitation } from './citations';
import { adviceSaysStrength, severityWordingProblem } from './severity-wording';
import { drugRef, SEVERITY_ORDER, type ContraindicationFinding, type ContraindicationStrength, type SafetyDrug } from './types';

export const DEFAULT_CONTRAINDICATIONS_FILE = path.join(FHIR_MAPPINGS_DIR, 'contraindications.json');

export interface ContraindicationRule {
  id: string;
  /** The drugs the rule is about: ingredient names (candidate naming) and/or ATC codes or prefixes. */
  drugs: {
    label: string;
    ingredients?: string[];
    atcPrefixes?: string[];
    /** Only products whose text has one of these words ("transdermal": the fentanyl patch, not the injection). */
    textHas?: string[];
  };
  /** A condition group of condition-groups.json (absent only for a rule met by age or by an absent class). */
  conditionGroup?: string;
  /** Met by the patient's age in years below this (at the decision): the label's paediatric contraindications. */
  ageBelow?: number;
  /** Met when none of the patient's current or recent drugs is in these classes (no opioid: not opioid-tolerant). */
  unlessTaking?: { atcPrefixes: string[]; absent: string; about: string };
  /** Also met by the latest result of this lab kind (fhir-mappings/lab-codes.json) below or above a value. */
  lab?: LabThreshold;
  /** 'active': only a current condition counts; 'history': a resolved one counts too (past GI bleeding). */
  when: 'active' | 'history';
  severity: 'warning' | 'critical';
  /** How strongly the source words it: a card says "contraindicated" only when the source does. */
  strength: ContraindicationStrength;
  /** The source's advice in a few words ("avoid prolonged use"), shown in the summary. */
  advice: string;
  /** One or two sentences for a clinician: the harm and what to do instead. */
  rationale: string;
  /** Source identifiers (keys of the file's `sources`). */
  sources: string[];
  review: string;
}

export interface LabThreshold {
  kind: string;
  below?: number;
  above?: number;
}

export interface ContraindicationsFile {
  description: string;
  sources: Record<string, string>;
  rules: ContraindicationRule[];
}

function defaultLabKinds(): ReadonlySet<string> {
  return new Set(Object.keys(defaultLabCodes().table.labs));
}

const STRENGTHS: readonly string[] = ['contraindicated', 'do-not-use', 'avoid', 'use-with-caution'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unlessTakingIsValid(rule: Record<string, unknown>): boolean {
  const taking = rule.unlessTaking;
  return (
    isRecord(taking) &&
    Array.isArray(taking.atcPrefixes) &&
    taking.atcPrefixes.length > 0 &&
    typeof taking.absent === 'string' &&
    typeof taking.about === 'string' &&
    rule.conditionGroup === undefined &&
    rule.lab === undefined &&
    rule.ageBelow === undefined
  );
}

function labProblem(lab: unknown, labKinds: ReadonlySet<string>): string | undefined {
  if (lab === undefined) return undefined;
  if (!isRecord(lab) || typeof lab.kind !== 'string' || !labKinds.has(lab.kind)) return `lab needs a kind of lab-codes.json (${[...labKinds].join(', ')})`;
  const limits = [lab.below, lab.above].filter((limit) => limit !== undefined);
  if (limits.length !== 1 || typeof limits[0] !== 'number' || !Number.isFinite(limits[0])) return 'lab needs exactly one of below or above, a number';
  return undefined;
}

export function validateContraindications(value: unknown, groups: ConditionGroupsFile, file = 'contraindications.json', labKinds: ReadonlySet<string> = defaultLabKinds()): ContraindicationsFile {
  if (!isRecord(value) || !isRecord(value.sources) || !Array.isArray(value.rules)) throw new Error(`${file}: expected { description, sources, rules }`);
  const ids = new Set<string>();
  for (const rule of value.rules as unknown[]) {
    if (!isRecord(rule) || typeof rule.id !== 'string' || ids.has(rule.id)) throw new Error(`${file}: every rule needs a unique id`);
    ids.add(rule.id);
    const drugs = rule.drugs;
    if (!isRecord(drugs) || ((drugs.ingredients as unknown[] | undefined)?.length ?? 0) + ((drugs.atcPrefixes as unknown[] | undefined)?.length ?? 0) === 0) {
      throw new Error(`${file}: rule ${rule.id} names no drug`);
    }
    const byAbsence = rule.unlessTaking !== undefined;
    if (byAbsence && !unlessTakingIsValid(rule)) {
      throw new Error(`${file}: rule ${rule.id}: unlessTaking needs atcPrefixes, absent and about, and stands alone (no condition group, lab or age)`);
    }
    const byAge = rule.ageBelow !== undefined;
    if (byAge && (typeof rule.ageBelow !== 'number' || rule.ageBelow <= 0 || rule.ageBelow > 21 || rule.conditionGroup !== undefined || rule.lab !== undefined)) {
      throw new Error(`${file}: rule ${rule.id}: ageBelow is a child's age in years (1-21) and stands alone (no condition group, no lab)`);
    }
    if (!byAge && !byAbsence && (typeof rule.conditionGroup !== 'string' || !groups.groups[rule.conditionGroup])) throw new Error(`${file}: rule ${rule.id} names unknown condition group ${String(rule.conditionGroup)}`);
    const badLab = labProblem(rule.lab, labKinds);
    if (badLab) throw new Error(`${file}: rule ${rule.id}: ${badLab}`);
    if (rule.severity !== 'warning' && rule.severity !== 'critical') throw new Error(`${file}: rule ${rule.id}: severity must be warning or critical`);
    if (rule.when !== 'active' && rule.when !== 'history') throw new Error(`${file}: rule ${rule.id}: when must be active or history`);
    if (typeof rule.strength !== 'string' || !STRENGTHS.includes(rule.strength)) throw new Error(`${file}: rule ${rule.id}: strength must be one of ${STRENGTHS.join(', ')}`);
    if (typeof rule.advice !== 'string' || rule.advice.trim() === '') throw new Error(`${file}: rule ${rule.id} needs the source's advice`);
    // The word is reserved for what a source calls a contraindication (15.5): "avoid" advice must not say it.
    if (rule.strength !== 'contraindicated' && /contraindicat/i.test(`${rule.advice} ${String(rule.rationale)}`)) {
      throw new Error(`${file}: rule ${rule.id} is "${rule.strength}" but its words say "contraindicated"`);
    }
    // The severity says what the source says: critical only for "contraindicated" / "do not use" (./severity-wording.ts).
    const strength = rule.strength as ContraindicationStrength;
    const mismatch = severityWordingProblem(rule.severity, strength);
    if (mismatch) throw new Error(`${file}: rule ${rule.id}: ${mismatch}`);
    if (!adviceSaysStrength(strength, rule.advice)) throw new Error(`${file}: rule ${rule.id}: its advice "${rule.advice}" does not begin with the words of its strength (${strength})`);
    if (!Array.isArray(rule.sources) || rule.sources.length === 0 || !rule.sources.every((id) => typeof id === 'string' && id in (value.sources as object))) {
      throw new Error(`${file}: rule ${rule.id} must cite sources listed in "sources"`);
    }
  }
  return value as unknown as ContraindicationsFile;
}

/** The contraindication rules with their condition groups. */
export interface ContraindicationTable {
  rules: ContraindicationsFile;
  groups: ConditionGroupsFile;
}

export function loadContraindications(file = DEFAULT_CONTRAINDICATIONS_FILE, groups: ConditionGroupsFile = loadConditionGroups()): ContraindicationTable {
  return { rules: validateContraindications(readJsonFile(file, 'contraindication table'), groups, file), groups };
}

const NOT_CURRENT = new Set(['resolved', 'inactive', 'remission']);

/** A condition that is current: not resolved/inactive/in remission and without an abatement date. */
export function isActiveCondition(condition: ConditionEntry): boolean {
  const status = condition.clinicalStatus?.trim().toLowerCase();
  if (status) return !NOT_CURRENT.has(status);
  return condition.abatement === undefined;
}

function drugMatches(rule: ContraindicationRule, drug: SafetyDrug): boolean {
  const { textHas } = rule.drugs;
  if (textHas && !textHas.some((word) => (drug.text ?? '').toLowerCase().includes(word))) return false;
  return (
    (rule.drugs.ingredients ?? []).some((ingredient) => drug.ingredients.includes(ingredient)) ||
    underAtcPrefix(drug.atc, rule.drugs.atcPrefixes ?? [])
  );
}

function labMeets(threshold: LabThreshold, labs: PatientLabs): string | undefined {
  const value = labs[threshold.kind];
  if (!value) return undefined;
  const met = threshold.below !== undefined ? value.value < threshold.below : threshold.above !== undefined && value.value > threshold.above;
  return met ? describeLab(value) : undefined;
}

/** What the rules read of the patient beside the conditions. */
export interface ContraindicationPatient {
  labs?: PatientLabs;
  /** Age in years at the decision. */
  age?: number;
  /** ATC codes of the drugs active now or ordered in the 30 days before the decision (the drafts of the call
   * left out); absent when the medication data may be incomplete, so that no rule rests on their absence. */
  recentAtc?: readonly string[];
}

/** What meets the rule, with the label of what it is about: a condition of its group, else the latest result of
 * its lab beyond the limit; or, for a rule about children, the patient's age. */
function conditionMeeting(
  rule: ContraindicationRule,
  conditions: readonly ConditionEntry[],
  patient: ContraindicationPatient,
  table: ContraindicationTable,
): { condition: ContraindicationFinding['condition']; about: string } | undefined {
  if (rule.unlessTaking) {
    const { atcPrefixes, absent, about } = rule.unlessTaking;
    const taking = patient.recentAtc === undefined || underAtcPrefix(patient.recentAtc, atcPrefixes);
    return taking ? undefined : { condition: { id: 'absent', display: absent, absent: true }, about };
  }
  if (rule.ageBelow !== undefined) {
    const { age } = patient;
    return age !== undefined && age < rule.ageBelow ? { condition: { id: 'age', display: `age ${age}`, age }, about: `children under ${rule.ageBelow} years` } : undefined;
  }
  const group = rule.conditionGroup ? table.groups.groups[rule.conditionGroup] : undefined;
  if (!group) return undefined;
  const relevant = rule.when === 'active' ? conditions.filter(isActiveCondition) : conditions;
  const condition = relevant.find((entry) => conceptMatchesCodes(entry.concept, group));
  if (condition) return { condition: { id: condition.id, display: condition.concept.display, ...(condition.concept.code ? { code: condition.concept.code } : {}) }, about: group.label };
  const lab = rule.lab ? labMeets(rule.lab, patient.labs ?? {}) : undefined;
  return lab && rule.lab ? { condition: { id: `lab:${rule.lab.kind}`, display: lab, lab: true }, about: group.label } : undefined;
}

/**
 * Contraindication findings for the drugs against the patient's conditions, latest labs and age: one per (drug,
 * rule), naming the first matching condition (else the lab result, or the age), most severe first. Conditions
 * are matched by code through the rule's group.
 */
export function findContraindications(
  drugs: readonly SafetyDrug[],
  conditions: readonly ConditionEntry[],
  table: ContraindicationTable,
  patient: ContraindicationPatient = {},
): ContraindicationFinding[] {
  const findings: ContraindicationFinding[] = [];
  for (const rule of table.rules.rules) {
    const met = conditionMeeting(rule, conditions, patient, table);
    if (!met) continue;
    for (const drug of drugs) {
      if (!drugMatches(rule, drug)) continue;
      findings.push({
        kind: 'contraindication',
        severity: rule.severity,
        drug: drugRef(drug),
        condition: met.condition,
        conditionGroup: met.about,
        ruleId: rule.id,
        sources: rule.sources.map(shortCitation),
        strength: rule.strength,
        advice: rule.advice,
        // "Tramadol: …" where the rule is about the drug itself, "sumatriptan (triptan): …" where about its class.
        rationale: `${drug.name}${rule.drugs.label === drug.name ? '' : ` (${rule.drugs.label})`}: ${rule.rationale}`,
      });
    }
  }
  return findings.sort((p, q) => SEVERITY_ORDER.indexOf(p.severity) - SEVERITY_ORDER.indexOf(q.severity));
}

/** Every rule id (a local override may name them). */
export function contraindicationRuleIds(table: ContraindicationTable): string[] {
  return table.rules.rules.map((rule) => rule.id);
}
