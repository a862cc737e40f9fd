/**
 * A drug order as the indication knowledge reads it: its ingredients and ATC codes from the drug catalogue
 * (contract A), whether or not the model scores it.
 */
import type { Concept } from '../fhir/types';
import type { DrugCatalogue } from './drug-catalogue';
import type { IndicationDrug } from './drug-indications';

export interface DrugDescriber {
  /** The drug of an order's concept; undefined when not even its ingredients can be read. */
  ofConcept(concept: Concept): IndicationDrug | undefined;
  /** A LAMO candidate by name (a suggestion). */
  ofCandidate(name: string): IndicationDrug;
}

export function describerFrom(knowledge: { catalogue: DrugCatalogue }): DrugDescriber {
  return {
    ofCandidate: (name) => ({ ...knowledge.catalogue.resolveName(name), candidate: name }),
    ofConcept(concept) {
      const drug = knowledge.catalogue.resolveDrug(concept);
      return drug.ingredients.length > 0 ? drug : undefined;
    },
  };
}
