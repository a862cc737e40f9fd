/**
 * Therapeutic duplication, by ingredient and by the reviewed duplicate classes of
 * fhir-mappings/duplicate-therapy.json — never by "any shared ATC level 4":
 * - a draft with exactly the ingredients of an active order is a renewal (info), not a duplicate;
 * - two drugs with an ingredient in common are a duplicate (a combination counts by each ingredient:
 *   lisinopril with hydrochlorothiazide/lisinopril);
 * - two drugs of one duplicate class (two statins, two P2Y12 inhibitors, ACE inhibitor + ARB) are a
 *   duplicate, unless the pair is an intended combination of the class (basal + bolus insulin), or one that
 *   the record shows is intended now (aspirin + a P2Y12 inhibitor within the DAPT window after an acute
 *   coronary syndrome or stent): then an 'intended' finding says why, and no duplicate is reported.
 */
import { shortCitation } from './citations';
import {
  indicationVerdict,
  intendedSharing,
  onBothSides,
  RENEWAL_OF_ACTIVE,
  ruleCovers,
  SAME_INGREDIENT,
  type DuplicateContext,
  type DuplicateRule,
  type DuplicateTherapyTable,
} from './duplicate-rules';
import { drugRef, pairsToCheck, type DuplicateFinding, type PairMode, type SafetyDrug } from './types';

export interface DuplicateOptions {
  mode?: PairMode;
  /** The duplicate classes; without them only shared ingredients and renewals are found. */
  table?: DuplicateTherapyTable;
  /** The record, for combinations intended only while an indication is recent (none: never intended). */
  context?: DuplicateContext;
}

const day = (date: Date): string => date.toISOString().slice(0, 10);

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item) => b.includes(item));
}

/** What the two drugs share by substance: their common ingredients, or (both unknown) the same product code. */
function sharedSubstance(a: SafetyDrug, b: SafetyDrug): string[] {
  const ingredients = a.ingredients.filter((ingredient) => b.ingredients.includes(ingredient));
  if (ingredients.length > 0) return ingredients;
  if (a.ingredients.length === 0 || b.ingredients.length === 0) {
    return a.rxnorm.some((code) => b.rxnorm.includes(code)) ? [a.name] : [];
  }
  return [];
}

function isRenewal(a: SafetyDrug, b: SafetyDrug, shared: string[]): boolean {
  if (a.source === b.source) return false;
  const sameIngredients = a.ingredients.length > 0 && sameSet(a.ingredients, b.ingredients);
  return sameIngredients || (a.ingredients.length === 0 && b.ingredients.length === 0 && shared.length > 0);
}

function substanceFinding(a: SafetyDrug, b: SafetyDrug, shared: string[], table: DuplicateTherapyTable | undefined): DuplicateFinding {
  const drugs: [ReturnType<typeof drugRef>, ReturnType<typeof drugRef>] = [drugRef(a), drugRef(b)];
  if (isRenewal(a, b, shared)) {
    const active = a.source === 'active' ? a : b;
    return {
      kind: 'duplicate',
      severity: 'info',
      drugs,
      basis: 'renewal',
      ruleId: RENEWAL_OF_ACTIVE,
      shared,
      rationale: `The draft has the same ingredients as the active ${active.name} order: a renewal or a change of product or dose, not a second drug.`,
      advice: 'if the dose or product changes, stop or replace the active order so that only one stays active',
      sources: [],
    };
  }
  const specific = table?.file.sameIngredient?.find((entry) => shared.includes(entry.ingredient));
  return {
    kind: 'duplicate',
    severity: 'warning',
    drugs,
    basis: 'ingredient',
    ruleId: SAME_INGREDIENT,
    shared,
    rationale: `${a.name} and ${b.name} both contain ${shared.join(' and ')}: risk of a double dose${specific ? `; ${specific.rationale}` : ''}.`,
    advice: specific?.advice ?? 'keep one product of each ingredient',
    sources: specific ? specific.sources.map(shortCitation) : [],
  };
}

function classFinding(rule: DuplicateRule, a: SafetyDrug, b: SafetyDrug, table: DuplicateTherapyTable, context: DuplicateContext | undefined): DuplicateFinding | undefined {
  if ((rule.except ?? []).some((pair) => onBothSides(a, b, pair.a, pair.b))) return undefined;
  const base: Omit<DuplicateFinding, 'severity' | 'basis' | 'rationale' | 'advice' | 'sources'> = {
    kind: 'duplicate',
    drugs: [drugRef(a), drugRef(b)],
    ruleId: rule.id,
    shared: [rule.label],
  };
  const cite = (ids: readonly string[]): string[] => ids.map(shortCitation);
  if (rule.intendedWhen && rule.intendedWhen.length > 0) {
    const verdict = context ? indicationVerdict(rule, context, table.groups) : { state: 'none' as const };
    if (verdict.state === 'intended') {
      const when = verdict.event.date ? ` on ${day(verdict.event.date)}` : '';
      return {
        ...base,
        severity: 'info',
        basis: 'intended',
        rationale: `Intended ${rule.label} after ${verdict.event.display}${when} (${verdict.when.window}, until about ${day(verdict.until)}).`,
        advice: `review the combination by ${day(verdict.until)}`,
        sources: cite(verdict.when.sources),
      };
    }
    if (verdict.state === 'after-window') {
      const when = verdict.event.date ? ` on ${day(verdict.event.date)}` : ' (date not recorded)';
      return {
        ...base,
        severity: verdict.when.afterWindow.severity,
        basis: 'class',
        rationale: `${a.name} with ${b.name}: ${rule.label}; the indication, ${verdict.event.display}${when}, is past the usual window (${verdict.when.window}).`,
        advice: verdict.when.afterWindow.advice,
        sources: cite(verdict.when.sources),
      };
    }
  }
  return {
    ...base,
    severity: rule.severity,
    basis: 'class',
    rationale: `${a.name} with ${b.name}: ${rule.label}. ${capitalised(rule.rationale)}.`,
    advice: rule.advice,
    sources: cite(rule.sources),
  };
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * Duplicate findings among `drugs` (pairs as in `pairsToCheck`), at most one per pair: a shared ingredient
 * (or renewal) before a class. 'intended' findings are informational: callers use them to explain, never to warn.
 */
export function findDuplicates(drugs: readonly SafetyDrug[], options: DuplicateOptions = {}): DuplicateFinding[] {
  const findings: DuplicateFinding[] = [];
  for (const [a, b] of pairsToCheck(drugs, options.mode)) {
    // An intended combination that shares the class's ingredient on purpose (extended- with immediate-release
    // oxycodone): that ingredient is no duplicate and the pair is no renewal; another shared one still counts.
    const intended = options.table ? intendedSharing(options.table.file.rules, a, b) : undefined;
    const shared = sharedSubstance(a, b).filter((ingredient) => !intended?.ingredients.has(ingredient));
    if (intended && shared.length === 0) continue;
    if (shared.length > 0) {
      findings.push(substanceFinding(a, b, shared, options.table));
      continue;
    }
    const table = options.table;
    if (!table) continue;
    for (const rule of table.file.rules.filter((candidate) => ruleCovers(candidate, a, b))) {
      const finding = classFinding(rule, a, b, table, options.context);
      if (finding) {
        findings.push(finding);
        break;
      }
    }
  }
  return findings;
}
