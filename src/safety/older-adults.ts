/**
 * Potentially inappropriate medications in older adults (fhir-mappings/older-adults.json: the strong
 * recommendations of Table 2 of the 2023 AGS Beers Criteria, as this project's summaries), the fifth safety
 * check beside interactions, duplicates, allergies and drug–disease cautions.
 *
 * How strongly it speaks depends on how long the patient has had the drug ("a warning is rare and right"): a new
 * draft gets the rule's severity; a draft continuing a drug of the past year and an active drug in review get
 * information at most — a reason to reconsider, not an alarm about a long-standing choice; rules about long-term
 * use (chronic NSAIDs, PPIs beyond 8 weeks) concern only continued and active drugs. A condition the source
 * names as an appropriate use (a seizure disorder for a benzodiazepine) quiets a rule, and so do forms outside it
 * (injections for procedures, vaginal estrogen) and low doses it exempts (doxepin 6 mg).
 */
import * as path from 'path';
import { conceptMatchesCodes, loadConditionGroups, type ConditionGroupsFile } from '../medications/condition-groups';
import type { Release } from '../medications/release';
import type { ConditionEntry } from '../fhir/types';
import { readJsonFile } from '../json-file';
import { FHIR_MAPPINGS_DIR } from '../paths';
import { shortCitation } from './citations';
import { isActiveCondition } from './contraindications';
import { strengthMg } from '../medications/strength';
import { adviceSaysStrength } from './severity-wording';
import { drugRef, SEVERITY_ORDER, type OlderAdultFinding, type OlderAdultScope, type SafetyDrug } from './types';

export const DEFAULT_OLDER_ADULTS_FILE = path.join(FHIR_MAPPINGS_DIR, 'older-adults.json');

export interface OlderAdultRule {
  id: string;
  drugs: {
    label: string;
    /** Matched by name only for a drug without ATC codes (read from free text); otherwise the codes decide. */
    ingredients?: string[];
    /** Substances WHO gives no code (metaxalone, butalbital): always matched by name. */
    uncodedIngredients?: string[];
    atcPrefixes?: string[];
    excludeAtc?: string[];
    /** Only products of this release (immediate-release nifedipine). */
    release?: Release;
    /** Product-text words of forms outside the criterion ("injection", "vaginal"), matched as whole words. */
    exceptWhenTextHas?: string[];
  };
  beers: { table: string; entry: string; recommendation: string; strength: 'strong' | 'weak'; quality?: string };
  /** The severity for a new draft; continued and active drugs get 'info'. */
  severity: 'warning' | 'info';
  /** The criterion is about long-term use: a new draft is not concerned. */
  longTermOnly?: boolean;
  /** Active conditions (condition-groups.json) for which the source says the drug is appropriate. */
  unlessConditionGroups?: string[];
  /** The criterion does not apply at or below this strength of the ingredient (mg per unit, from the product text). */
  lowDoseExempt?: { ingredient: string; atOrBelowMg: number; why: string };
  /** What to do, beginning with "avoid" (the Beers recommendation's word). */
  advice: string;
  rationale: string;
  note?: string;
  sources: string[];
  review: string;
}

export interface OlderAdultsFile {
  description: string;
  review: string;
  /** The age (years) from which the rules apply. */
  minimumAge: number;
  sources: Record<string, string>;
  rules: OlderAdultRule[];
}

export interface OlderAdultTable {
  file: OlderAdultsFile;
  groups: ConditionGroupsFile;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const strings = (value: unknown): boolean => value === undefined || (Array.isArray(value) && value.every((item) => typeof item === 'string' && item !== ''));

export function validateOlderAdults(value: unknown, groups: ConditionGroupsFile, file = 'older-adults.json'): OlderAdultsFile {
  if (!isRecord(value) || !isRecord(value.sources) || !Array.isArray(value.rules) || typeof value.minimumAge !== 'number') {
    throw new Error(`${file}: expected { description, review, minimumAge, sources, rules }`);
  }
  const sources = value.sources;
  const ids = new Set<string>();
  for (const rule of value.rules as unknown[]) {
    if (!isRecord(rule) || typeof rule.id !== 'string' || ids.has(rule.id)) throw new Error(`${file}: every rule needs a unique id`);
    ids.add(rule.id);
    const where = `${file}: rule ${rule.id}`;
    const drugs = rule.drugs;
    if (!isRecord(drugs) || typeof drugs.label !== 'string') throw new Error(`${where}: drugs needs a label`);
    if (!strings(drugs.ingredients) || !strings(drugs.uncodedIngredients) || !strings(drugs.atcPrefixes) || !strings(drugs.excludeAtc) || !strings(drugs.exceptWhenTextHas)) throw new Error(`${where}: drug lists must hold strings`);
    if (((drugs.uncodedIngredients as unknown[] | undefined)?.length ?? 0) + ((drugs.atcPrefixes as unknown[] | undefined)?.length ?? 0) === 0) throw new Error(`${where} names no drug`);
    if (drugs.release !== undefined && drugs.release !== 'long-acting' && drugs.release !== 'short-acting') throw new Error(`${where}: release must be long-acting or short-acting`);
    const beers = rule.beers;
    if (!isRecord(beers) || typeof beers.entry !== 'string' || typeof beers.recommendation !== 'string' || (beers.strength !== 'strong' && beers.strength !== 'weak')) {
      throw new Error(`${where}: beers needs its entry, recommendation and strength`);
    }
    // Beers says "avoid": a warning at most, never critical (src/safety/severity-wording.ts).
    if (rule.severity !== 'warning' && rule.severity !== 'info') throw new Error(`${where}: severity must be warning or info (the source says "avoid", never "contraindicated")`);
    if (typeof rule.advice !== 'string' || !adviceSaysStrength('avoid', rule.advice)) throw new Error(`${where}: its advice must begin with the source's word "avoid"`);
    if (/contraindicat/i.test(`${rule.advice} ${String(rule.rationale)}`)) throw new Error(`${where}: the source says "avoid", its words must not say "contraindicated"`);
    if (typeof rule.rationale !== 'string' || typeof rule.review !== 'string') throw new Error(`${where} needs a rationale and a review status`);
    for (const group of (rule.unlessConditionGroups ?? []) as unknown[]) {
      if (typeof group !== 'string' || !groups.groups[group]) throw new Error(`${where} names unknown condition group ${String(group)}`);
    }
    const low = rule.lowDoseExempt;
    if (low !== undefined && (!isRecord(low) || typeof low.ingredient !== 'string' || typeof low.atOrBelowMg !== 'number' || typeof low.why !== 'string')) {
      throw new Error(`${where}: lowDoseExempt needs ingredient, atOrBelowMg and why`);
    }
    if (!Array.isArray(rule.sources) || rule.sources.length === 0 || !rule.sources.every((id) => typeof id === 'string' && id in sources)) {
      throw new Error(`${where} must cite sources listed in "sources"`);
    }
  }
  return value as unknown as OlderAdultsFile;
}

export function loadOlderAdults(file = DEFAULT_OLDER_ADULTS_FILE, groups: ConditionGroupsFile = loadConditionGroups()): OlderAdultTable {
  return { file: validateOlderAdults(readJsonFile(file, 'older-adult table'), groups, file), groups };
}

/** Every rule id (a local override may name them). */
export function olderAdultRuleIds(table: OlderAdultTable): string[] {
  return table.file.rules.map((rule) => rule.id);
}

const escape = (word: string): string => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const hasWord = (text: string, word: string): boolean => new RegExp(`(?<![a-z0-9])${escape(word)}(?![a-z0-9])`, 'i').test(text);

function matches(rule: OlderAdultRule, drug: SafetyDrug): boolean {
  const set = rule.drugs;
  if (set.release !== undefined && drug.release !== set.release) return false;
  const text = drug.text ?? drug.name;
  if ((set.exceptWhenTextHas ?? []).some((word) => hasWord(text, word))) return false;
  const excluded = (code: string): boolean => (set.excludeAtc ?? []).some((prefix) => code.startsWith(prefix));
  // By ATC: the catalogue chose the product's codes by route, so topical diphenhydramine (D04) is not an R06
  // antihistamine. By name only a drug without any code (read from free text), or a substance WHO gives no code.
  const byAtc = drug.atc.some((code) => !excluded(code) && (set.atcPrefixes ?? []).some((prefix) => code.startsWith(prefix)));
  const byName = drug.atc.length === 0 && (set.ingredients ?? []).some((ingredient) => drug.ingredients.includes(ingredient));
  const uncoded = (set.uncodedIngredients ?? []).some((ingredient) => drug.ingredients.includes(ingredient));
  if (!byAtc && !byName && !uncoded) return false;
  const low = rule.lowDoseExempt;
  if (low && drug.ingredients.includes(low.ingredient)) {
    const mg = strengthMg(text, low.ingredient);
    if (mg !== undefined && mg <= low.atOrBelowMg) return false;
  }
  return true;
}

export interface OlderAdultCheck {
  drug: SafetyDrug;
  scope: OlderAdultScope;
}

/**
 * Findings for the drugs of a patient aged at least the table's minimum age (none when the age is unknown), one
 * per drug and rule, most severe first.
 */
export function findOlderAdultCautions(drugs: readonly OlderAdultCheck[], patient: { age?: number; conditions: readonly ConditionEntry[] }, table: OlderAdultTable): OlderAdultFinding[] {
  const age = patient.age;
  if (age === undefined || age < table.file.minimumAge) return [];
  const active = patient.conditions.filter(isActiveCondition);
  const findings: OlderAdultFinding[] = [];
  for (const rule of table.file.rules) {
    const appropriate = (rule.unlessConditionGroups ?? []).some((id) => active.some((condition) => conceptMatchesCodes(condition.concept, table.groups.groups[id])));
    if (appropriate) continue;
    for (const { drug, scope } of drugs) {
      if (rule.longTermOnly && scope === 'new') continue;
      if (!matches(rule, drug)) continue;
      findings.push({
        kind: 'older-adult',
        severity: scope === 'new' ? rule.severity : 'info',
        drug: drugRef(drug),
        ruleId: rule.id,
        label: rule.drugs.label,
        age,
        scope,
        recommendation: rule.beers.recommendation,
        strength: rule.beers.strength,
        ...(rule.beers.quality ? { quality: rule.beers.quality } : {}),
        advice: rule.advice,
        rationale: rule.rationale,
        sources: rule.sources.map(shortCitation),
      });
    }
  }
  return findings.sort((p, q) => SEVERITY_ORDER.indexOf(p.severity) - SEVERITY_ORDER.indexOf(q.severity));
}
