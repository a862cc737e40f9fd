/** The safety checks of src/safety bound to their tables and the hospital's local overrides, as the pipeline's
 * SafetyChecks. Tables are loaded here, at start-up, so a missing or broken table stops the service with its
 * file name, not a request. Overrides are applied here, once, so that cards, withheld suggestions and the
 * SMART app all see the same severities. */
import { allergyRuleIds, findAllergyConflicts, loadAllergyTable, type AllergyTable } from '../safety/allergies';
import { contraindicationRuleIds, findContraindications, loadContraindications, type ContraindicationTable } from '../safety/contraindications';
import { drugFromCandidate, drugFromOrder, type DrugKnowledge } from '../safety/drugs';
import { duplicateRuleIds, loadDuplicateTherapy, type DuplicateTherapyTable } from '../safety/duplicate-rules';
import { findDuplicates } from '../safety/duplicates';
import { defaultInteractionIndex, type InteractionIndex } from '../safety/interaction-table';
import { findInteractions } from '../safety/interactions';
import { findOlderAdultCautions, loadOlderAdults, olderAdultRuleIds, type OlderAdultTable } from '../safety/older-adults';
import { LocalOverrides, type RuleKind } from '../safety/overrides';
import { loadSuggestionSettings, type SuggestionSettings } from '../medications/suggestion-settings';
import type { SafetyChecks } from './cards/safety';

export interface SafetyTables {
  interactions: InteractionIndex;
  allergies: AllergyTable;
  contraindications: ContraindicationTable;
  duplicates: DuplicateTherapyTable;
  olderAdults: OlderAdultTable;
  settings: SuggestionSettings;
}

export function loadSafetyTables(): SafetyTables {
  return {
    interactions: defaultInteractionIndex(),
    allergies: loadAllergyTable(),
    contraindications: loadContraindications(),
    duplicates: loadDuplicateTherapy(),
    olderAdults: loadOlderAdults(),
    settings: loadSuggestionSettings(),
  };
}

/** The rule ids a local override may name, per kind. */
export function safetyRuleIds(tables: SafetyTables): Record<RuleKind, ReadonlySet<string>> {
  return {
    interaction: new Set(tables.interactions.table.interactions.map((rule) => rule.id)),
    duplicate: new Set(duplicateRuleIds(tables.duplicates)),
    contraindication: new Set(contraindicationRuleIds(tables.contraindications)),
    allergy: new Set(allergyRuleIds(tables.allergies)),
    'older-adult': new Set(olderAdultRuleIds(tables.olderAdults)),
  };
}

/** Applies the overrides to a list of findings: changed severities noted, switched-off rules dropped. */
function adjusted<F extends Parameters<LocalOverrides['apply']>[2]>(findings: F[], kind: RuleKind, idOf: (finding: F) => string, overrides: LocalOverrides): F[] {
  if (overrides.size === 0) return findings;
  return findings.map((finding) => overrides.apply(kind, idOf(finding), finding)).filter((finding): finding is F => finding !== undefined);
}

export function createSafetyChecks(knowledge: DrugKnowledge, tables: SafetyTables = loadSafetyTables(), overrides: LocalOverrides = new LocalOverrides()): SafetyChecks {
  // Class names from the catalogue (every class of every catalogue drug), the older ATC subset as fallback.
  const classNames: Record<string, string> = { ...knowledge.atc.classes, ...knowledge.catalogue.file.names };
  return {
    drugOfOrder: (order, source) => drugFromOrder(order, source, knowledge),
    drugOfCandidate: (candidate) => drugFromCandidate(candidate, 'draft', knowledge),
    interactions: (drugs, patient, mode) =>
      adjusted(findInteractions(drugs, patient, { mode, index: tables.interactions }), 'interaction', (f) => f.interactionId, overrides),
    duplicates: (drugs, mode, context) => {
      const found = findDuplicates(drugs, { mode, table: tables.duplicates, ...(context ? { context } : {}) });
      // An 'intended' finding explains, it never warns: a hospital's severity for the rule is not for it.
      const intended = found.filter((f) => f.basis === 'intended');
      return [...adjusted(found.filter((f) => f.basis !== 'intended'), 'duplicate', (f) => f.ruleId, overrides), ...intended];
    },
    allergies: (drugs, allergies) => adjusted(findAllergyConflicts(drugs, allergies, tables.allergies), 'allergy', (f) => f.ruleId, overrides),
    contraindications: (drugs, conditions, patient) =>
      adjusted(findContraindications(drugs, conditions, tables.contraindications, patient), 'contraindication', (f) => f.ruleId, overrides),
    olderAdults: (drugs, patient) => adjusted(findOlderAdultCautions(drugs, patient, tables.olderAdults), 'older-adult', (f) => f.ruleId, overrides),
    suggestionSetting: (candidate, where) => {
      const off = overrides.suggestionOff(candidate);
      if (off !== undefined) return { allowed: false, reason: `switched off at this hospital: ${off}` };
      return tables.settings.verdict(candidate, where);
    },
    withdrawn: (drug) => tables.settings.withdrawn(drug.name, drug.ingredients),
    className: (code) => classNames[code],
  };
}
