/**
 * Short citations for card details ("Source: AGS Beers Criteria 2023; FDA label (warfarin)"): the tables
 * key their sources by short ids and keep the full reference beside them for reviewers; a card shows the
 * short form, so that the detail stays readable and the full text is one lookup away.
 */

const NAMED: Record<string, string> = {
  'Beers-2023': 'AGS Beers Criteria 2023',
  'nitrofurantoin-Beers': 'AGS Beers Criteria 2023',
  'meperidine-Beers': 'AGS Beers Criteria 2023',
  'STOPP-A3': 'STOPP/START v2-v3, STOPP A3',
  'ACEI-boxed-fetal': 'FDA boxed warning (ACE inhibitors, fetal toxicity)',
  'ARB-boxed-fetal': 'FDA boxed warning (ARBs and aliskiren, fetal toxicity)',
  'APAP-FDA-2011': 'FDA 2011 (acetaminophen: hepatotoxicity, boxed warning)',
  'NSAID-class-label': 'FDA NSAID class labelling',
  'FDA-label': 'FDA label',
  'OTC-monograph': 'FDA OTC monograph',
  '21CFR216.24': '21 CFR 216.24 (withdrawn drugs)',
};

/** "warfarin-label" → "FDA label (warfarin)"; "ACC/AHA-2016-DAPT" → "ACC/AHA 2016 DAPT". */
export function shortCitation(id: string): string {
  const named = NAMED[id];
  if (named) return named;
  const label = /^(.+)-label$/.exec(id);
  if (label) return `FDA label (${label[1].replace(/-/g, ' ')})`;
  const boxed = /^(.+)-boxed$/.exec(id);
  if (boxed) return `FDA boxed warning (${boxed[1].replace(/-/g, ' ')})`;
  return id.replace(/-/g, ' ');
}

/** "Source: A; B." for a card's detail, each source once. */
export function sourceLine(ids: readonly string[]): string {
  return `Source: ${[...new Set(ids.map(shortCitation))].join('; ')}`;
}
