/**
 * Drug–drug interaction check: the pairs among the drugs (see `pairsToCheck`) that the interaction table's
 * rules cover — by ingredient, product code or class — with the severity set by the rule's patient factors
 * (age, conditions, concurrent drugs, the latest labs; PDDI-CDS logic), three-drug rules (ACE inhibitor/ARB +
 * diuretic + NSAID), and one finding per pair: the most severe rule, the others folded into it, so that a
 * clinician never gets two cards for one pair.
 */
import { conceptMatchesCodes } from '../medications/condition-groups';
import { defaultDrugCatalogue } from '../medications/drug-catalogue';
import { strengthMg } from '../medications/strength';
import { defaultInteractionIndex, onlyInGroup, type InteractionIndex, type InteractionRule, type RiskFactor } from './interaction-table';
import { describeLab, type PatientLabs } from './patient-factors';
import { drugRef, pairsToCheck, SEVERITY_ORDER, type InteractionFinding, type PairMode, type PatientContext, type SafetyDrug, type Severity } from './types';

export interface InteractionOptions {
  mode?: PairMode;
  /** The table to use (default: fhir-mappings/interactions.json). */
  index?: InteractionIndex;
}

interface Assessment {
  severity: Severity;
  riskFactors: string[];
  mitigatedBy: string[];
  labs: string[];
  missingLabs: string[];
  /** Why an exception or recent normal labs set the severity (topical diclofenac; potassium normal). */
  note?: string;
}

const rank = (severity: Severity): number => SEVERITY_ORDER.indexOf(severity);

function labPresent(labs: PatientLabs, factor: { lab: string; above?: number; below?: number }): boolean {
  const value = labs[factor.lab]?.value;
  if (value === undefined) return false;
  return (factor.above === undefined || value > factor.above) && (factor.below === undefined || value < factor.below);
}

/** The labs a rule reads, described, and those the record lacks (said only when the data is not partial). */
function labReport(rule: InteractionRule, context: PatientContext): { labs: string[]; missing: string[] } {
  const wanted = new Set([
    ...(rule.labs ?? []),
    ...(rule.riskFactors ?? []).flatMap((f) => (f.kind === 'lab' ? [f.lab] : f.kind === 'new-start' && f.unlessRecentLab ? [f.unlessRecentLab] : [])),
  ]);
  const labs: string[] = [];
  const missing: string[] = [];
  for (const lab of wanted) {
    const value = context.labs?.[lab];
    if (value) labs.push(describeLab(value));
    else missing.push(lab);
  }
  return { labs, missing };
}

/** Applies a rule's exceptions, risk and mitigating factors and lab-based lowering to one pair (a, b in the rule's order). */
function assess(rule: InteractionRule, a: SafetyDrug, b: SafetyDrug, others: SafetyDrug[], context: PatientContext, index: InteractionIndex): Assessment {
  const { labs, missing } = labReport(rule, context);
  const base = { labs, missingLabs: missing };
  for (const exception of rule.exceptions ?? []) {
    const group = index.table.groups[exception.group];
    if (group && onlyInGroup(group, exception.side === 'a' ? a : b)) return { severity: exception.severity, riskFactors: [], mitigatedBy: [], note: exception.text, ...base };
  }
  const present = (factor: RiskFactor): boolean => {
    switch (factor.kind) {
      case 'condition': {
        const set = index.table.conditionSets[factor.conditionSet];
        return Boolean(set && (context.conditions ?? []).some((concept) => conceptMatchesCodes(concept, set)));
      }
      case 'age-over':
        return context.age !== undefined && context.age > factor.years;
      case 'concurrent-drug':
        return others.some((drug) => index.inGroup(factor.group, drug));
      case 'new-start': {
        const starting = [a, b].find((drug) => drug.source === 'draft' && index.inGroup(factor.group, drug));
        const isNew = Boolean(starting && !others.some((drug) => drug.source === 'active' && index.inGroup(factor.group, drug)));
        // A recent result of the lab (a digoxin level) means the patient is monitored: the start is not raised.
        return isNew && !(factor.unlessRecentLab && context.labs?.[factor.unlessRecentLab]);
      }
      case 'lab':
        return labPresent(context.labs ?? {}, factor);
      case 'strength-above':
        return [a, b].some((drug) => {
          const mg = drug.ingredients.includes(factor.ingredient) ? strengthMg(drug.text ?? drug.name, factor.ingredient) : undefined;
          return mg !== undefined && mg > factor.mg;
        });
    }
  };
  const found = (rule.riskFactors ?? []).filter(present);
  const riskFactors = found.map((factor) => factor.text);
  const raising = found.filter((factor) => factor.raises !== false);
  const mitigatedBy = raising.length === 0 ? [] : (rule.mitigatingFactors ?? []).filter((factor) => others.some((drug) => index.inGroup(factor.group, drug))).map((factor) => factor.text);
  if (raising.length > 0 && mitigatedBy.length === 0) return { severity: rule.raisedSeverity ?? 'critical', riskFactors, mitigatedBy, ...base };
  const lowered = rule.lowered;
  if (lowered && raising.length === 0 && lowered.when.every((w) => {
    const value = context.labs?.[w.lab]?.value;
    return value !== undefined && (w.atMost === undefined || value <= w.atMost) && (w.atLeast === undefined || value >= w.atLeast);
  })) {
    return { severity: lowered.severity, riskFactors, mitigatedBy, note: `Lower risk: ${lowered.text}.`, ...base };
  }
  return { severity: rule.severity, riskFactors, mitigatedBy, ...base };
}

function sentence(text: string): string {
  return `${text[0].toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? '' : '.'}`;
}

const LAB_NAMES: Record<string, string> = { egfr: 'eGFR or creatinine', inr: 'INR', potassium: 'potassium', digoxin: 'digoxin level', creatinine: 'creatinine' };

function missingText(missing: readonly string[], context: PatientContext): string[] {
  if (missing.length === 0) return [];
  const names = missing.map((lab) => LAB_NAMES[lab] ?? lab).join(' or ');
  return [context.labsMayBeIncomplete ? `Laboratory results may be incomplete in this request: no recent ${names} was received.` : `No recent ${names} result in the record.`];
}

function rationale(rule: InteractionRule, a: SafetyDrug, b: SafetyDrug, third: SafetyDrug | undefined, assessment: Assessment, context: PatientContext, also: InteractionRule[]): string {
  const with3 = rule.third ? (third && third !== a && third !== b ? ` with ${third.name} (${rule.third.text})` : ` (${[a, b].find((d) => d.ingredients.length > 1)?.name ?? a.name} includes ${rule.third.text})`) : '';
  const parts = [`${a.name} + ${b.name}${with3}: ${rule.consequence}`];
  if (assessment.note) parts.push(sentence(assessment.note));
  if (assessment.riskFactors.length > 0) {
    parts.push(
      assessment.mitigatedBy.length === 0
        ? `Higher risk: ${assessment.riskFactors.join('; ')}.`
        : `Risk factors (${assessment.riskFactors.join('; ')}), but ${assessment.mitigatedBy.join('; ')}.`,
    );
  }
  if (assessment.labs.length > 0) parts.push(`Latest results: ${assessment.labs.join('; ')}.`);
  parts.push(...missingText(assessment.missingLabs, context));
  if (rule.action) parts.push(rule.action);
  for (const other of also) parts.push(`Also: ${other.consequence}`);
  return parts.join(' ');
}

function sameIngredients(x: SafetyDrug, y: SafetyDrug): boolean {
  return x.ingredients.length > 0 && x.ingredients.length === y.ingredients.length && x.ingredients.every((ingredient) => y.ingredients.includes(ingredient));
}

function sameSides(rule: InteractionRule): boolean {
  return JSON.stringify(rule.a) === JSON.stringify(rule.b) || ('groups' in rule.b && 'group' in rule.a && rule.b.groups.includes(rule.a.group));
}

interface Match {
  rule: InteractionRule;
  a: SafetyDrug;
  b: SafetyDrug;
  third?: SafetyDrug;
  assessment: Assessment;
}

/** A three-drug rule on a pair: two of its roles filled by the pair, the third by any drug (the pair's own combination included). */
function tripleMatch(rule: InteractionRule, x: SafetyDrug, y: SafetyDrug, everyone: readonly SafetyDrug[], index: InteractionIndex): { a: SafetyDrug; b: SafetyDrug; third: SafetyDrug } | undefined {
  if (!rule.third) return undefined;
  const roles = [rule.a, rule.b, { group: rule.third.group }];
  const fills = (drug: SafetyDrug, role: number) => index.onSide(roles[role], drug);
  for (const [i, j] of [[0, 1], [1, 0], [0, 2], [2, 0], [1, 2], [2, 1]]) {
    if (!fills(x, i) || !fills(y, j)) continue;
    const k = 3 - i - j;
    const third = [x, y, ...everyone.filter((d) => d !== x && d !== y)].find((drug) => fills(drug, k));
    if (!third) continue;
    const [a, b] = i < j ? [x, y] : [y, x];
    return { a, b, third };
  }
  return undefined;
}

/**
 * Interaction findings among `drugs`, most severe first, one per pair. In 'order' mode (default) only pairs
 * with at least one draft drug; 'review' checks every pair. `context.otherMedications` is not paired but counts
 * for risk factors (a concurrent corticosteroid, a PPI...) and as the third drug of a three-drug rule.
 */
export function findInteractions(drugs: readonly SafetyDrug[], context: PatientContext = {}, options: InteractionOptions = {}): InteractionFinding[] {
  const index = options.index ?? defaultInteractionIndex();
  const findings: InteractionFinding[] = [];
  const everyone = [...drugs, ...(context.otherMedications ?? [])];
  const triples = new Set<string>();
  for (const [x, y] of pairsToCheck(drugs, options.mode)) {
    // The same drug twice (a renewal, a second order) is duplicate therapy's business, not an interaction.
    if (sameIngredients(x, y)) continue;
    const matches: Match[] = [];
    for (const { rule, a, b } of index.rulesFor(x, y)) {
      // Two members of one class (two QT drugs, two MAOIs) must be two different drugs.
      if (sameSides(rule) && x.ingredients.some((ingredient) => y.ingredients.includes(ingredient))) continue;
      matches.push({ rule, a, b, assessment: assess(rule, a, b, everyone.filter((d) => d !== a && d !== b), context, index) });
    }
    for (const rule of index.tripleRules(x, y)) {
      const triple = tripleMatch(rule, x, y, everyone, index);
      if (!triple) continue;
      // One finding per three drugs, whichever of their pairs is met first.
      const key = `${rule.id}|${[x, y, triple.third].map((d) => d.orderId ?? d.name).sort().join('|')}`;
      if (triples.has(key)) continue;
      triples.add(key);
      const others = everyone.filter((d) => d !== triple.a && d !== triple.b && d !== triple.third);
      matches.push({ rule, ...triple, assessment: assess(rule, triple.a, triple.b, others, context, index) });
    }
    if (matches.length === 0) continue;
    // The most severe rule speaks for the pair; at equal severity a three-drug rule (it says more), then table
    // order (PDDI-CDS, reviewed, then ONC pairs).
    const [primary, ...rest] = [...matches].sort((p, q) => rank(p.assessment.severity) - rank(q.assessment.severity) || Number(Boolean(q.rule.third)) - Number(Boolean(p.rule.third)));
    const also = rest.map((m) => m.rule).filter((rule) => rule.consequence !== primary.rule.consequence);
    const citations = primary.rule.sources ?? [primary.rule.source];
    findings.push({
      kind: 'interaction',
      severity: primary.assessment.severity,
      drugs: [drugRef(primary.a), drugRef(primary.b)],
      interactionId: primary.rule.id,
      source: primary.rule.source,
      sources: [...new Set(citations.map((id) => index.table.citations?.[id] ?? id))],
      rationale: rationale(primary.rule, primary.a, primary.b, primary.third, primary.assessment, context, also),
      riskFactors: primary.assessment.riskFactors,
      mitigatedBy: primary.assessment.mitigatedBy,
      ...(primary.third && primary.third !== primary.a && primary.third !== primary.b ? { third: drugRef(primary.third) } : {}),
      labs: primary.assessment.labs,
      missingLabs: primary.assessment.missingLabs,
      alsoRules: rest.map((m) => m.rule.id),
    });
  }
  return findings.sort((p, q) => rank(p.severity) - rank(q.severity));
}

/** Whether two candidate names interact per the table (through the catalogue's classes; for the evaluation's DDI rate). */
export function candidatesInteract(a: string, b: string, index: InteractionIndex = defaultInteractionIndex()): boolean {
  if (a === b) return false;
  const catalogue = defaultDrugCatalogue();
  const keys = (name: string) => {
    const resolved = catalogue.resolveName(name);
    return { ingredients: resolved.ingredients, rxnorm: [], atc: resolved.atc };
  };
  const x = keys(a);
  const y = keys(b);
  return index.rulesFor(x, y).length > 0;
}

/**
 * The evaluation's "DDI rate" of one prediction: the share of its distinct drug pairs that interact per the
 * table; null when it has fewer than two drugs (no pair to judge).
 */
export function ddiRate(drugNames: readonly string[], index: InteractionIndex = defaultInteractionIndex()): number | null {
  const names = [...new Set(drugNames)];
  let pairs = 0;
  let interacting = 0;
  for (let i = 0; i < names.length; i++) {
    for (let j = i + 1; j < names.length; j++) {
      pairs += 1;
      if (candidatesInteract(names[i], names[j], index)) interacting += 1;
    }
  }
  return pairs === 0 ? null : interacting / pairs;
}
