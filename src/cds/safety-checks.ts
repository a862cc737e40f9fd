/** The safety checks of src/safety bound to their tables, as the pipeline's SafetyChecks. Tables are loaded
 * here, at start-up, so a missing or broken table stops the service with its file name, not a request. */
import { findAllergyConflicts, loadAllergyTable } from '../safety/allergies';
import { findContraindications, loadContraindications } from '../safety/contraindications';
import { drugFromCandidate, drugFromOrder, type DrugKnowledge } from '../safety/drugs';
import { findDuplicates } from '../safety/duplicates';
import { defaultInteractionIndex } from '../safety/interaction-table';
import { findInteractions } from '../safety/interactions';
import type { SafetyChecks } from './cards/safety';

export function createSafetyChecks(knowledge: DrugKnowledge): SafetyChecks {
  const index = defaultInteractionIndex();
  const allergyTable = loadAllergyTable();
  const contraindicationTable = loadContraindications();
  // Class names from the catalogue (every class of every catalogue drug), the older ATC subset as fallback.
  const classNames: Record<string, string> = { ...knowledge.atc.classes, ...knowledge.catalogue.file.names };
  return {
    drugOfOrder: (order, source) => drugFromOrder(order, source, knowledge),
    drugOfCandidate: (candidate) => drugFromCandidate(candidate, 'draft', knowledge),
    interactions: (drugs, patient, mode) => findInteractions(drugs, patient, { mode, index }),
    duplicates: (drugs, mode) => findDuplicates(drugs, { mode, classNames }),
    allergies: (drugs, allergies) => findAllergyConflicts(drugs, allergies, allergyTable),
    contraindications: (drugs, conditions) => findContraindications(drugs, conditions, contraindicationTable),
    className: (code) => classNames[code],
  };
}
