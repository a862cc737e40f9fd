/**
 * A hospital's local adjustments of the knowledge (the file named by LAMO_KNOWLEDGE_OVERRIDES): lower, raise
 * or switch off a rule's severity — an interaction, duplicate-therapy, contraindication, allergy or older-adult
 * (AGS Beers) rule, by its id — and switch off a suggestion (a candidate never suggested here). Alert fatigue is why hospitals turn
 * CDS off; this makes it adjustable without making it silent: every change needs a reason, a changed finding
 * says so on its card, and every change (switched-off rules included) is listed at GET /knowledge.
 *
 * Two steps, because configuration is checked at start before the tables are loaded: `parseOverrides`
 * checks the file's shape; `checkOverrideIds` checks that every id names a rule of the loaded tables.
 */
import type { LocalOverride, Severity } from './types';

export const RULE_KINDS = ['interaction', 'duplicate', 'contraindication', 'allergy', 'older-adult'] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

export type OverrideSeverity = Severity | 'off';
const OVERRIDE_SEVERITIES: readonly string[] = ['critical', 'warning', 'info', 'off'];

export interface RuleOverride {
  kind: RuleKind;
  id: string;
  severity: OverrideSeverity;
  /** Why (e.g. "P&T committee 2026-04: pharmacist-led INR clinic monitors every patient"). */
  reason: string;
}

export interface SuggestionOverride {
  candidate: string;
  reason: string;
}

export interface KnowledgeOverrides {
  description?: string;
  rules: RuleOverride[];
  suggestions: SuggestionOverride[];
}

/** A bad overrides file: the service refuses to start (exit 2), with this message. */
export class OverridesError extends Error {
  override readonly name = 'OverridesError';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const nonEmpty = (value: unknown): value is string => typeof value === 'string' && value.trim() !== '';

/** The file's shape: { description?, rules: [{ kind, id, severity, reason }], suggestions: [{ candidate, reason }] }. */
export function parseOverrides(text: string, file: string): KnowledgeOverrides {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new OverridesError(`${file}: not valid JSON (${(error as Error).message.slice(0, 120)})`);
  }
  if (!isRecord(value)) throw new OverridesError(`${file}: expected an object { "rules": [...], "suggestions": [...] }`);
  const unknownKeys = Object.keys(value).filter((key) => !['description', 'rules', 'suggestions'].includes(key));
  if (unknownKeys.length > 0) throw new OverridesError(`${file}: unknown field ${unknownKeys[0]} (allowed: description, rules, suggestions)`);
  const rules = value.rules ?? [];
  const suggestions = value.suggestions ?? [];
  if (!Array.isArray(rules) || !Array.isArray(suggestions)) throw new OverridesError(`${file}: "rules" and "suggestions" must be arrays`);
  const seen = new Set<string>();
  rules.forEach((rule: unknown, i: number) => {
    const where = `${file}: rules[${i}]`;
    if (!isRecord(rule)) throw new OverridesError(`${where} must be an object { kind, id, severity, reason }`);
    if (!(RULE_KINDS as readonly unknown[]).includes(rule.kind)) throw new OverridesError(`${where}: kind must be one of ${RULE_KINDS.join(', ')}`);
    if (!nonEmpty(rule.id)) throw new OverridesError(`${where}: id must name a rule`);
    if (typeof rule.severity !== 'string' || !OVERRIDE_SEVERITIES.includes(rule.severity)) throw new OverridesError(`${where}: severity must be one of ${OVERRIDE_SEVERITIES.join(', ')}`);
    if (!nonEmpty(rule.reason)) throw new OverridesError(`${where}: a reason is required (it is shown on the cards and to auditors)`);
    const key = `${String(rule.kind)}:${rule.id}`;
    if (seen.has(key)) throw new OverridesError(`${where}: ${key} is overridden twice`);
    seen.add(key);
  });
  const candidates = new Set<string>();
  suggestions.forEach((entry: unknown, i: number) => {
    const where = `${file}: suggestions[${i}]`;
    if (!isRecord(entry) || !nonEmpty(entry.candidate) || !nonEmpty(entry.reason)) throw new OverridesError(`${where} must be { "candidate": name, "reason": why }`);
    if (candidates.has(entry.candidate)) throw new OverridesError(`${where}: ${entry.candidate} is listed twice`);
    candidates.add(entry.candidate);
  });
  return {
    ...(typeof value.description === 'string' ? { description: value.description } : {}),
    rules: rules as RuleOverride[],
    suggestions: suggestions as SuggestionOverride[],
  };
}

/** Every id must name a rule of the loaded tables, every candidate a known drug: a typo must not silently do nothing. */
export function checkOverrideIds(overrides: KnowledgeOverrides, known: Record<RuleKind, ReadonlySet<string>>, drugs: ReadonlySet<string>, file: string): void {
  for (const rule of overrides.rules) {
    if (!known[rule.kind].has(rule.id)) throw new OverridesError(`${file}: no ${rule.kind} rule "${rule.id}" in the knowledge tables`);
  }
  for (const entry of overrides.suggestions) {
    if (!drugs.has(entry.candidate)) throw new OverridesError(`${file}: "${entry.candidate}" is not a drug the service can suggest`);
  }
}

/** The overrides in force, as the checks apply them. */
export class LocalOverrides {
  private readonly byRule = new Map<string, RuleOverride>();
  private readonly offSuggestions = new Map<string, string>();

  constructor(readonly overrides: KnowledgeOverrides = { rules: [], suggestions: [] }) {
    for (const rule of overrides.rules) this.byRule.set(`${rule.kind}:${rule.id}`, rule);
    for (const entry of overrides.suggestions) this.offSuggestions.set(entry.candidate, entry.reason);
  }

  /** The finding with the local severity (and a note of the change), or undefined when the rule is switched off here. */
  apply<F extends { severity: Severity; override?: LocalOverride }>(kind: RuleKind, id: string, finding: F): F | undefined {
    const rule = this.byRule.get(`${kind}:${id}`);
    if (!rule) return finding;
    if (rule.severity === 'off') return undefined;
    if (rule.severity === finding.severity) return finding;
    return { ...finding, severity: rule.severity, override: { from: finding.severity, reason: rule.reason } };
  }

  /** Why the candidate is never suggested here, when the hospital switched it off. */
  suggestionOff(candidate: string): string | undefined {
    return this.offSuggestions.get(candidate);
  }

  get size(): number {
    return this.byRule.size + this.offSuggestions.size;
  }
}
