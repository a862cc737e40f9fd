/**
 * The reviewed interaction knowledge (fhir-mappings/interaction-knowledge.json) turned into table groups,
 * rules and condition sets, with its checks: every group a rule names exists, every citation is listed,
 * every ingredient a group names is in the drug catalogue, a raised severity is never lower than the base, and
 * the base severity says what the action's first words say (src/safety/severity-wording.ts).
 * Used by scripts/build-interactions.ts and the reviewer's sheet.
 */
import * as path from 'path';
import { readJsonFile } from '../src/json-file';
import { loadConditionGroups, type ConditionGroupsFile } from '../src/medications/condition-groups';
import type { DrugCatalogue } from '../src/medications/drug-catalogue';
import { FHIR_MAPPINGS_DIR } from '../src/paths';
import { sideGroups, type ConditionSet, type DrugGroup, type InteractionRule, type InteractionSide, type RiskFactor } from '../src/safety/interaction-table';
import { severityWordingProblem, wordsOfAction } from '../src/safety/severity-wording';
import { SEVERITY_ORDER, type Severity } from '../src/safety/types';

export const INTERACTION_KNOWLEDGE_FILE = path.join(FHIR_MAPPINGS_DIR, 'interaction-knowledge.json');

export interface KnowledgeGroup {
  label: string;
  atc?: string[];
  ingredients?: string[];
  excludeAtc?: string[];
  source: string;
}

/** A rule as written by reviewers: factors may name a condition group of condition-groups.json. */
export type KnowledgeFactor = RiskFactor | { kind: 'condition-group'; group: string; text: string; raises?: boolean };

export interface KnowledgeRule extends Omit<InteractionRule, 'source' | 'riskFactors'> {
  title: string;
  riskFactors?: KnowledgeFactor[];
  sources: string[];
  review: string;
}

export interface InteractionKnowledge {
  description: string;
  review: string;
  sources: Record<string, string>;
  citations: Record<string, string>;
  groups: Record<string, KnowledgeGroup>;
  rules: KnowledgeRule[];
}

export function loadInteractionKnowledge(file = INTERACTION_KNOWLEDGE_FILE): InteractionKnowledge {
  const knowledge = readJsonFile(file, 'interaction knowledge') as InteractionKnowledge;
  if (!knowledge?.groups || !Array.isArray(knowledge.rules) || !knowledge.sources || !knowledge.citations) {
    throw new Error(`${file}: expected sources, citations, groups and rules`);
  }
  return knowledge;
}

const SEVERITIES = new Set<string>(SEVERITY_ORDER);

/** Every problem of the knowledge file, as sentences (empty when it is sound). */
export function checkKnowledge(knowledge: InteractionKnowledge, catalogue: DrugCatalogue, conditionGroups: ConditionGroupsFile, extraGroups: readonly string[] = []): string[] {
  const problems: string[] = [];
  const groupNames = new Set([...Object.keys(knowledge.groups), ...extraGroups]);
  for (const [name, group] of Object.entries(knowledge.groups)) {
    if (!group.atc?.length && !group.ingredients?.length) problems.push(`group ${name} names no ATC prefix and no ingredient`);
    for (const ingredient of group.ingredients ?? []) if (!catalogue.has(ingredient)) problems.push(`group ${name}: "${ingredient}" is not in the drug catalogue`);
    for (const prefix of group.atc ?? []) if (!catalogue.className(prefix) && !Object.values(catalogue.file.ingredients).some((e) => e.atc.some((code) => code.startsWith(prefix)))) problems.push(`group ${name}: no catalogue drug has ATC ${prefix}`);
  }
  const ids = new Set<string>();
  for (const rule of knowledge.rules) {
    if (ids.has(rule.id)) problems.push(`rule ${rule.id} is listed twice`);
    ids.add(rule.id);
    for (const side of [rule.a, rule.b, ...(rule.third ? [{ group: rule.third.group }] : [])] as InteractionSide[]) {
      for (const name of sideGroups(side) ?? []) if (!groupNames.has(name)) problems.push(`rule ${rule.id} names unknown group ${name}`);
    }
    if (!SEVERITIES.has(rule.severity)) problems.push(`rule ${rule.id}: severity ${rule.severity}`);
    if (rule.raisedSeverity && SEVERITY_ORDER.indexOf(rule.raisedSeverity) > SEVERITY_ORDER.indexOf(rule.severity)) problems.push(`rule ${rule.id}: raised severity below the base`);
    if (rule.lowered && SEVERITY_ORDER.indexOf(rule.lowered.severity) < SEVERITY_ORDER.indexOf(rule.severity)) problems.push(`rule ${rule.id}: lowered severity above the base`);
    // Severity as the source words it: the action's first words ("Contraindicated: …", "Avoid …").
    const mismatch = severityWordingProblem(rule.severity, wordsOfAction(rule.action ?? ''));
    if (mismatch) problems.push(`rule ${rule.id}: ${mismatch}`);
    if ((rule.riskFactors ?? []).some((f) => f.raises !== false) && !rule.raisedSeverity) problems.push(`rule ${rule.id}: raising factors without a raisedSeverity`);
    if (rule.sources.length === 0) problems.push(`rule ${rule.id} cites no source`);
    for (const source of rule.sources) if (!knowledge.sources[source] || !knowledge.citations[source]) problems.push(`rule ${rule.id} cites unknown source ${source}`);
    for (const factor of rule.riskFactors ?? []) {
      if (factor.kind === 'condition-group' && !conditionGroups.groups[factor.group]) problems.push(`rule ${rule.id}: unknown condition group ${factor.group}`);
      if (factor.kind === 'concurrent-drug' && !groupNames.has(factor.group)) problems.push(`rule ${rule.id}: factor names unknown group ${factor.group}`);
    }
    for (const factor of rule.mitigatingFactors ?? []) if (!groupNames.has(factor.group)) problems.push(`rule ${rule.id}: mitigating factor names unknown group ${factor.group}`);
    if (!rule.review) problems.push(`rule ${rule.id} has no review status`);
  }
  return problems;
}

/** The knowledge as table groups, rules (source 'reviewed') and the condition sets their factors read. */
export function knowledgeTable(knowledge: InteractionKnowledge, conditionGroups: ConditionGroupsFile = loadConditionGroups()): { groups: Record<string, DrugGroup>; rules: InteractionRule[]; conditionSets: Record<string, ConditionSet> } {
  const groups: Record<string, DrugGroup> = {};
  for (const [name, group] of Object.entries(knowledge.groups)) {
    groups[name] = {
      label: group.label,
      ingredients: [...(group.ingredients ?? [])].sort(),
      rxnorm: [],
      ...(group.atc ? { atc: group.atc } : {}),
      ...(group.excludeAtc ? { excludeAtc: group.excludeAtc } : {}),
      source: group.source,
    };
  }
  const conditionSets: Record<string, ConditionSet> = {};
  const rules = knowledge.rules.map((rule): InteractionRule => {
    const riskFactors = rule.riskFactors?.map((factor): RiskFactor => {
      if (factor.kind !== 'condition-group') return factor;
      const group = conditionGroups.groups[factor.group];
      conditionSets[factor.group] ??= { label: group.label, ...(group.snomed ? { snomed: group.snomed } : {}), ...(group.icd10cm ? { icd10cm: group.icd10cm } : {}), ...(group.icd10cmPrefixes ? { icd10cmPrefixes: group.icd10cmPrefixes } : {}) };
      return { kind: 'condition', conditionSet: factor.group, text: factor.text, ...(factor.raises === false ? { raises: false } : {}) };
    });
    const { riskFactors: _written, ...rest } = rule;
    return { ...rest, source: 'reviewed', ...(riskFactors ? { riskFactors } : {}) };
  });
  return { groups, rules, conditionSets };
}

/** The severity a rule gives without patient factors, and the most it can reach. */
export function severityRange(rule: Pick<InteractionRule, 'severity' | 'raisedSeverity' | 'lowered'>): Severity[] {
  return [...new Set([rule.lowered?.severity, rule.severity, rule.raisedSeverity].filter((s): s is Severity => Boolean(s)))];
}
