/**
 * How a coded concept is named to people: the display without its SNOMED CT semantic tag
 * ("Viral sinusitis (disorder)" → "Viral sinusitis"). The tag tells a terminology browser which hierarchy a
 * concept is in; on a card or in a prompt it adds length, not meaning. One helper, so that the cards, the
 * SMART app and the LAMO prompt name conditions alike.
 */

const SEMANTIC_TAG =
  /\s*\((disorder|finding|procedure|situation|morphologic abnormality|regime\/therapy|observable entity|qualifier value|person|event|substance|product|medicinal product|body structure|organism)\)\s*$/i;

/** The display without a trailing SNOMED CT semantic tag, whitespace tidied; case kept. */
export function displayName(display: string): string {
  return display.replace(SEMANTIC_TAG, '').replace(/\s+/g, ' ').trim();
}
