/**
 * Turning orders and LAMO candidates into the SafetyDrug the checks read. Every drug goes through the drug
 * catalogue (contract A, src/medications/drug-catalogue.ts), so a drug the model does not score (prasugrel,
 * rosuvastatin, ketorolac, tramadol…) still carries its ingredients and ATC classes.
 */
import { knownSystem } from '../fhir/concepts';
import type { MedicationOrder } from '../fhir/types';
import { loadAtcTable, type AtcTable } from '../medications/atc';
import { loadDrugCatalogue, type DrugCatalogue } from '../medications/drug-catalogue';
import type { NameTables } from '../medications/normalise';
import type { MedicationVocabulary } from '../medications/types';
import { loadReleaseTypes, type ReleaseTypes } from '../medications/release';
import { loadNameTables, loadVocabulary } from '../medications/vocabulary';
import type { SafetyDrug } from './types';

/** What describing a drug needs: the model's vocabulary, the drug catalogue, and the older tables it extends. */
export interface DrugKnowledge {
  vocabulary: MedicationVocabulary;
  catalogue: DrugCatalogue;
  atc: AtcTable;
  nameTables: NameTables;
  /** Long- or short-acting, from the product text (fhir-mappings/release-types.json). */
  release: ReleaseTypes;
}

export function loadDrugKnowledge(): DrugKnowledge {
  const vocabulary = loadVocabulary();
  const nameTables = loadNameTables();
  return { vocabulary, atc: loadAtcTable(), nameTables, catalogue: loadDrugCatalogue({ nameTables, vocabulary }), release: loadReleaseTypes() };
}

/**
 * A drug order as the checks see it: the catalogue's ingredients and classes (by RxNorm code, else read from
 * its text), and always its own RxNorm codes. A drug whose text names no ingredient keeps its display as name.
 */
export function drugFromOrder(order: MedicationOrder, source: SafetyDrug['source'], knowledge: DrugKnowledge): SafetyDrug {
  const rxnorm = [
    ...new Set(
      order.concept.codings
        .filter((coding) => coding.code && knownSystem(coding.system) === 'rxnorm')
        .map((coding) => String(coding.code).trim()),
    ),
  ];
  const resolved = knowledge.catalogue.resolveDrug(order.concept);
  const release = knowledge.release.releaseOf(order.concept.display, resolved.ingredients);
  return { name: resolved.name, ingredients: resolved.ingredients, rxnorm, atc: resolved.atc, known: resolved.known, release, text: order.concept.display, source, orderId: order.id };
}

/** A LAMO candidate (by name) as a drug: its ingredients, the RxNorm products it was seen as, its ATC codes. */
export function drugFromCandidate(name: string, source: SafetyDrug['source'], knowledge: DrugKnowledge): SafetyDrug {
  const candidate = knowledge.vocabulary.byName(name);
  const resolved = knowledge.catalogue.resolveName(name);
  return {
    name,
    ingredients: resolved.ingredients,
    rxnorm: candidate ? [...candidate.rxnorm] : [],
    atc: resolved.atc,
    known: resolved.known,
    release: knowledge.release.releaseOf(name, resolved.ingredients),
    source,
    orderId: name,
  };
}
