/** Turning orders and LAMO candidates into the SafetyDrug the checks read. */
import { knownSystem } from '../fhir/concepts';
import type { MedicationOrder } from '../fhir/types';
import { classCodesOf, loadAtcTable, type AtcTable } from '../medications/atc';
import { ingredientsOf, normaliseProductName, type NameTables } from '../medications/normalise';
import type { MedicationVocabulary } from '../medications/types';
import { loadNameTables, loadVocabulary } from '../medications/vocabulary';
import type { SafetyDrug } from './types';

/** What describing a drug needs: the vocabulary, the ATC subset and the normaliser's name tables. */
export interface DrugKnowledge {
  vocabulary: MedicationVocabulary;
  atc: AtcTable;
  nameTables: NameTables;
}

export function loadDrugKnowledge(): DrugKnowledge {
  return { vocabulary: loadVocabulary(), atc: loadAtcTable(), nameTables: loadNameTables() };
}

/**
 * A drug order as the checks see it. A drug outside the vocabulary still gets the ingredients the normaliser
 * reads from its text (a ketorolac order must meet warfarin even though LAMO never suggests ketorolac),
 * and always keeps its own RxNorm codes.
 */
export function drugFromOrder(order: MedicationOrder, source: SafetyDrug['source'], knowledge: DrugKnowledge): SafetyDrug {
  const rxnorm = [
    ...new Set(
      order.concept.codings
        .filter((coding) => coding.code && knownSystem(coding.system) === 'rxnorm')
        .map((coding) => String(coding.code).trim()),
    ),
  ];
  const normalised = knowledge.vocabulary.normalise(order.concept);
  if (normalised.covered) {
    return { name: normalised.candidate, ingredients: normalised.ingredients, rxnorm, atc: classCodesOf(knowledge.atc, normalised.candidate), source, orderId: order.id };
  }
  const read = normaliseProductName(order.concept.display, { tables: knowledge.nameTables });
  return { name: order.concept.display, ingredients: read.covered ? read.ingredients : [], rxnorm, atc: [], source, orderId: order.id };
}

/** A LAMO candidate (by name) as a drug: its ingredients, the RxNorm products it was seen as, its ATC codes. */
export function drugFromCandidate(name: string, source: SafetyDrug['source'], knowledge: DrugKnowledge): SafetyDrug {
  const candidate = knowledge.vocabulary.byName(name);
  return {
    name,
    ingredients: ingredientsOf(name),
    rxnorm: candidate ? [...candidate.rxnorm] : [],
    atc: classCodesOf(knowledge.atc, name),
    source,
    orderId: name,
  };
}
