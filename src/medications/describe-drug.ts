/**
 * A drug order as the indication knowledge reads it (ingredients and ATC codes), from the model vocabulary,
 * the ATC subset and the product-name normaliser. Until the drug catalogue covers every product, a drug
 * outside the vocabulary carries its ingredients' codes only where the ATC subset holds them.
 */
import type { Concept } from '../fhir/types';
import type { AtcTable } from './atc';
import type { IndicationDrug } from './drug-indications';
import { ingredientsOf, normaliseProductName, type NameTables } from './normalise';
import type { MedicationVocabulary } from './types';

export interface DrugDescriber {
  /** The drug of an order's concept; undefined when not even its ingredients can be read. */
  ofConcept(concept: Concept): IndicationDrug | undefined;
  /** A LAMO candidate by name (a suggestion). */
  ofCandidate(name: string): IndicationDrug;
}

export function describerFrom(knowledge: { vocabulary: MedicationVocabulary; atc: AtcTable; nameTables: NameTables }): DrugDescriber {
  const codeOfIngredient = new Map<string, string>();
  for (const entry of Object.values(knowledge.atc.candidates)) {
    for (const [ingredient, code] of Object.entries(entry.ingredients)) if (code) codeOfIngredient.set(ingredient, code);
  }
  const codesOf = (ingredients: readonly string[], own?: string): string[] =>
    [...new Set([...(own ? [own] : []), ...ingredients.map((ingredient) => codeOfIngredient.get(ingredient)).filter((code): code is string => code !== undefined)])];
  const ofCandidate = (name: string): IndicationDrug => {
    const ingredients = ingredientsOf(name);
    return { name, ingredients, atc: codesOf(ingredients, knowledge.atc.candidates[name]?.atc), candidate: name };
  };
  return {
    ofCandidate,
    ofConcept(concept) {
      const normalised = knowledge.vocabulary.normalise(concept);
      if (normalised.covered) return ofCandidate(normalised.candidate);
      const read = normaliseProductName(concept.display, { tables: knowledge.nameTables });
      if (!read.covered) return undefined;
      return { name: read.candidate, ingredients: read.ingredients, atc: codesOf(read.ingredients) };
    },
  };
}
