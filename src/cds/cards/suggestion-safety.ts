/**
 * Whether a candidate may be suggested, judged once for the suggestion cards, the discharge list and the
 * SMART app alike (so the app shows the verdict the cards acted on): where it may be suggested (the reviewed
 * setting table, the hospital's switch-offs), and every check a draft order would meet — allergies,
 * contraindications, interactions and duplicates with every active drug and draft, and the older-adult (AGS Beers)
 * rules, at any severity. A
 * finding of warning level or above withholds the suggestion and says why; lower ones are listed with it.
 * A candidate whose ingredients are already drafted or active (lisinopril for a patient on
 * hydrochlorothiazide/lisinopril) is not suggested either: combinations count by each ingredient.
 */
import { displayName } from '../../fhir/display';
import { encounterSetting } from '../../medications/suggestion-settings';
import type { Severity } from '../../safety/types';
import { orderLabel, type Assessment } from '../assessment';
import type { SafetyNote } from '../app-wire';
import type { SafetyChecks } from './safety';
import { ageOf, duplicateContext, patientContext } from './safety-context';
import { continuedOrder } from './unsupported-order';

export interface CandidateSafety {
  /** Everything ordering it now would meet, most severe first. */
  notes: SafetyNote[];
  /** Why it is not suggested, when it is not. */
  withheld?: string;
}

const RANK: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };
const WITHHOLDS = (severity: Severity): boolean => severity !== 'info';

/** The safety verdict of one candidate for this assessment. */
export function candidateSafety(assessment: Assessment, candidate: string, checks: SafetyChecks): CandidateSafety {
  const drug = checks.drugOfCandidate(candidate);
  // The drafts count as already there: only pairs with the candidate are its own (the drafts' findings are the cards').
  const orders = [...assessment.drafts, ...assessment.active];
  const others = orders.map((order) => ({ order, drug: checks.drugOfOrder(order, 'active') }));
  const notes: SafetyNote[] = [];
  const reasons: { severity: Severity; text: string }[] = [];
  const add = (note: SafetyNote, reason: string): void => {
    notes.push(note);
    if (WITHHOLDS(note.severity)) reasons.push({ severity: note.severity, text: reason });
  };

  const setting = checks.suggestionSetting(candidate, encounterSetting(assessment.encounter.classCode));
  if (!setting.allowed) add({ kind: 'setting', severity: 'warning', text: capitalised(setting.reason) }, setting.reason);
  for (const f of checks.allergies([drug], assessment.record.allergies)) {
    add({ kind: 'allergy', severity: f.severity, text: `Allergy or intolerance: ${f.allergy.display}` }, `allergy or intolerance to ${f.allergy.display}`);
  }
  for (const f of checks.contraindications([drug], assessment.record.conditions, patientContext(assessment))) {
    const condition = displayName(f.condition.display);
    add({ kind: 'contraindication', severity: f.severity, text: `${capitalised(f.advice)} with ${condition}: ${f.rationale}` }, `${f.advice} with ${condition}`);
  }
  // An older adult: a drug the patient already has is information (a renewal); a new one meets the rule's severity.
  const scope = continuedOrder(assessment, undefined, assessment.knowledge.describe.ofCandidate(candidate)) ? 'continued' : 'new';
  for (const f of checks.olderAdults([{ drug, scope }], { ...ageOf(assessment), conditions: assessment.record.conditions })) {
    add({ kind: 'older-adult', severity: f.severity, text: `Potentially inappropriate at age ${f.age} (AGS Beers Criteria): ${f.advice}` }, `${f.recommendation} at age ${f.age} (AGS Beers Criteria: ${f.label})`);
  }
  const drugs = [drug, ...others.map((o) => o.drug).filter((other) => other.name !== drug.name)];
  const labelOf = (name: string): string => others.find((o) => o.drug.name === name)?.order.concept.display ?? name;
  const duplicates = checks.duplicates(drugs, 'order', duplicateContext(assessment));
  // A combination the record shows is intended now (DAPT after a recent STEMI) informs; it does not withhold.
  const intended = new Map(duplicates.filter((f) => f.basis === 'intended').map((f) => [f.drugs.find((ref) => ref.name !== drug.name)?.name, f.rationale]));
  for (const f of duplicates) {
    if (f.basis === 'intended' || f.basis === 'renewal') continue;
    const other = labelOf(f.drugs.find((ref) => ref.name !== drug.name)?.name ?? 'another drug');
    const basis = f.basis === 'ingredient' ? `same ingredient: ${f.shared.join(', ')}` : f.shared.join(', ');
    add({ kind: 'duplicate', severity: f.severity, text: `Duplicate therapy with ${other} (${basis})` }, `duplicates ${other} (${basis})`);
  }
  for (const f of checks.interactions(drugs, patientContext(assessment), 'order')) {
    const otherName = f.drugs.find((ref) => ref.name !== drug.name)?.name ?? 'another drug';
    const other = labelOf(otherName);
    const because = intended.get(otherName);
    const note = `Interacts with ${other}: ${f.rationale}${because ? ` ${because}` : ''}`;
    add({ kind: 'interaction', severity: because ? 'info' : f.severity, text: note }, `${f.severity} interaction with ${other}`);
  }
  notes.sort((a, b) => RANK[a.severity] - RANK[b.severity]);
  reasons.sort((a, b) => RANK[a.severity] - RANK[b.severity]);

  // Already there in another product (a combination, or a drug outside the vocabulary): suggesting it would duplicate it.
  const taken = others.find((o) => o.drug.ingredients.length > 0 && drug.ingredients.length > 0 && drug.ingredients.every((i) => o.drug.ingredients.includes(i)));
  const withheld = reasons[0]?.text ?? (taken ? `already ${assessment.drafts.includes(taken.order) ? 'being ordered' : 'active'} as ${orderLabel(taken.order)}` : undefined);
  return { notes, ...(withheld ? { withheld } : {}) };
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * Recommended candidates that must not be suggested → why (shown where the suggestion would have been). The
 * pipeline calls it once per call; suggestions, the discharge list and the SMART app read its answer.
 */
export function withheldCandidates(assessment: Assessment, candidates: readonly string[], checks: SafetyChecks): Map<string, string> {
  const withheld = new Map<string, string>();
  for (const candidate of candidates) {
    const verdict = candidateSafety(assessment, candidate, checks);
    if (verdict.withheld !== undefined) withheld.set(candidate, verdict.withheld);
  }
  return withheld;
}
