import { readFileSync } from 'fs';
import * as path from 'path';
import { buildInteractionTable, loadInteractionRules, parseOncCsv, parseValueSets } from '../../scripts/build-interactions';
import { FHIR_MAPPINGS_DIR } from '../../src/paths';
import { canonicalIngredient } from '../../src/medications/normalise';

describe('ONC list reader', () => {
  test('reads $-separated pairs (BOM, CR line ends), merges reversed duplicates, drops self pairs, maps names', () => {
    const csv = '\uFEFFPethidine$DB00454$Selegiline$DB01037$\rSelegiline$DB01037$Pethidine$DB00454$\r\nLevomethadyl Acetate$DB01227$Vandetanib$DB05294$\nDroperidol$DB00450$Droperidol$DB00450$\r';
    const toIngredient = (name: string) => ({ pethidine: 'meperidine' } as Record<string, string>)[canonicalIngredient(name)] ?? canonicalIngredient(name);
    expect(parseOncCsv(csv, toIngredient)).toEqual([
      { a: 'levomethadyl', b: 'vandetanib' },
      { a: 'meperidine', b: 'selegiline' },
    ]);
  });

  test('a line without two drugs is an error, not a silent skip', () => {
    expect(() => parseOncCsv('Warfarin$DB00682$\n', (name) => name)).toThrow(/cannot read line/);
  });
});

describe('PDDI-CDS value set reader', () => {
  test('reads ids, titles, RxNorm concepts and included value sets', () => {
    const xml = `<Bundle xmlns="http://hl7.org/fhir"><entry><resource>
      <ValueSet xmlns="http://hl7.org/fhir"><id value="valueset-ketorolac"/><title value="Ketorolac Medications Value Set"/>
        <compose><include><system value="http://www.nlm.nih.gov/research/umls/rxnorm" />
          <concept><code value="834022" /><display value="Ketorolac Tromethamine 10 MG Oral Tablet" /></concept>
        </include></compose></ValueSet></resource></entry>
      <entry><resource><ValueSet><id value="valueset-NSAIDS" /><title value="NSAIDs" />
        <compose><include><valueSet value="http://hl7.org/fhir/uv/pddi/ValueSet/valueset-ketorolac" /></include></compose>
      </ValueSet></resource></entry></Bundle>`;
    expect(parseValueSets(xml)).toEqual([
      {
        id: 'valueset-ketorolac',
        title: 'Ketorolac Medications Value Set',
        concepts: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '834022', display: 'Ketorolac Tromethamine 10 MG Oral Tablet' }],
        includes: [],
      },
      { id: 'valueset-NSAIDS', title: 'NSAIDs', concepts: [], includes: ['valueset-ketorolac'] },
    ]);
  });
});

describe('rebuilding interactions.json from interaction-knowledge.json, interaction-rules.json and the references', () => {
  const built = buildInteractionTable();

  test('gives exactly the shipped table, without problems', () => {
    const shipped = JSON.parse(readFileSync(path.join(FHIR_MAPPINGS_DIR, 'interactions.json'), 'utf8')) as unknown;
    expect(built.problems).toEqual([]);
    expect(built.table).toEqual(shipped);
  });

  test('every pair of the ONC high-priority list is carried by a rule of at least warning severity (no bare pairs, no second card)', () => {
    expect(built.table.onc).toMatchObject({ pairs: 1150, covered: 1150, kept: 0 });
    const rules = new Map(built.table.interactions.map((rule) => [rule.id, rule]));
    for (const id of Object.keys(built.table.onc.byRule)) expect(['warning', 'critical']).toContain(rules.get(id)?.severity);
  });

  test('every reviewed rule cites a source, says what to do and carries a review status', () => {
    for (const rule of built.table.interactions.filter((r) => r.source === 'reviewed')) {
      expect(rule.sources?.length).toBeGreaterThan(0);
      expect(rule.action?.length).toBeGreaterThan(10);
      expect(rule.review).toBe('pending clinical review');
    }
  });

  test('the reviewed rules file names only known drug classes and groups', () => {
    const rules = loadInteractionRules();
    expect(rules.pddi.rules.map((rule) => rule.id)).toEqual(['pddi-warfarin-nsaids', 'pddi-digoxin-cyclosporine']);
    expect(rules.onc.mechanisms.length).toBeGreaterThan(5);
  });
});
