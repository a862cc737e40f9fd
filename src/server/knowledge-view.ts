/**
 * What GET /knowledge answers: the knowledge version in force, each table's hash, and every local change the
 * hospital made (a switched-off rule or suggestion included). An auditor must be able to see which knowledge
 * judged a call, and that nothing was switched off unseen. Configuration only, no PHI: the endpoint is open.
 */
import type { KnowledgeVersion } from '../safety/knowledge-version';
import type { KnowledgeOverrides, RuleOverride, SuggestionOverride } from '../safety/overrides';

export interface KnowledgeView {
  version: string | null;
  files: KnowledgeVersion['files'];
  overrides: {
    file?: string;
    sha256?: string;
    description?: string;
    rules: RuleOverride[];
    /** "kind:id" of every rule switched off here. */
    switchedOff: string[];
    suggestionsOff: SuggestionOverride[];
  } | null;
}

export function knowledgeView(version: KnowledgeVersion | undefined, overrides: KnowledgeOverrides | undefined): KnowledgeView {
  return {
    version: version?.version ?? null,
    files: version?.files ?? [],
    overrides: overrides
      ? {
          ...(version?.overrides ?? {}),
          ...(overrides.description ? { description: overrides.description } : {}),
          rules: overrides.rules,
          switchedOff: overrides.rules.filter((rule) => rule.severity === 'off').map((rule) => `${rule.kind}:${rule.id}`),
          suggestionsOff: overrides.suggestions,
        }
      : null,
  };
}
