import { defaultInteractionIndex } from '../../src/safety/interaction-table';
import { candidatesInteract, ddiRate, findInteractions } from '../../src/safety/interactions';
import { active, candidate, coded, draft, SNOMED } from './helpers';

const warfarin = () => active('Warfarin Sodium 5 MG Oral Tablet', '855332', 'mr-warfarin');
const ibuprofenDraft = () => draft('Ibuprofen 200 MG Oral Tablet', '310965', 'mr-ibuprofen');

describe('interaction table (fhir-mappings/interactions.json)', () => {
  const index = defaultInteractionIndex();
  const keys = (ingredient: string) => ({ ingredients: [ingredient], rxnorm: [] });

  test('holds warfarin × ketorolac and warfarin × ibuprofen (PDDI-CDS)', () => {
    for (const nsaid of ['ketorolac', 'ibuprofen']) {
      const rules = index.rulesFor(keys('warfarin'), keys(nsaid));
      expect(rules.map(({ rule }) => rule.id)).toContain('pddi-warfarin-nsaids');
      expect(rules[0].rule.source).toBe('PDDI-CDS');
    }
  });

  test('ONC pairs are carried by reviewed class rules, under the US names (pethidine → meperidine, rifampicin → rifampin)', () => {
    // Meperidine is both serotonergic and contraindicated with MAO-B inhibitors: the critical rule speaks for the pair.
    expect(index.rulesFor(candidate('meperidine'), candidate('selegiline')).map(({ rule }) => rule.id)).toEqual(['maob-serotonergic', 'maob-contraindicated']);
    expect(index.rulesFor(candidate('rifampin'), candidate('ritonavir')).map(({ rule }) => rule.id)).toEqual(['pi-inducer']);
    expect(index.table.interactions.filter((rule) => rule.source === 'ONC')).toEqual([]);
  });

  test('the UGIB condition set carries the PDDI-CDS SNOMED codes', () => {
    expect(index.table.conditionSets['upper-gi-bleed'].snomed?.['12847006']).toMatch(/duodenal ulcer with hemorrhage/i);
  });
});

describe('findInteractions', () => {
  test('warfarin active + ketorolac draft → an interaction naming both', () => {
    // Ketorolac is outside the LAMO vocabulary: the drug catalogue reads its ingredient (and class) from the text.
    const ketorolac = draft('Ketorolac Tromethamine 10 MG Oral Tablet', undefined, 'mr-ketorolac');
    const findings = findInteractions([warfarin(), ketorolac], { age: 50 });
    expect(findings).toHaveLength(1);
    const [finding] = findings;
    expect(finding.drugs.map((drug) => drug.name)).toEqual(['warfarin', 'ketorolac']);
    expect(ketorolac.atc).toEqual(['M01AB15']);
    expect(finding.drugs.map((drug) => drug.orderId)).toEqual(['mr-warfarin', 'mr-ketorolac']);
    expect(finding).toMatchObject({ kind: 'interaction', severity: 'warning', source: 'PDDI-CDS', interactionId: 'pddi-warfarin-nsaids' });
    expect(finding.rationale).toMatch(/warfarin \+ ketorolac.*bleeding/);
  });

  test('warfarin + ibuprofen with a history of GI bleeding is critical', () => {
    const bleed = coded('Acute duodenal ulcer with hemorrhage', '12847006', SNOMED);
    const [finding] = findInteractions([warfarin(), ibuprofenDraft()], { age: 40, conditions: [bleed] });
    expect(finding.severity).toBe('critical');
    expect(finding.riskFactors).toEqual(['history of upper gastrointestinal bleeding or peptic ulcer']);
    expect(finding.rationale).toMatch(/Higher risk: history of upper gastrointestinal bleeding/);
  });

  test('warfarin + ibuprofen over 65 is critical; at 65 it stays a warning (PDDI-CDS: age > 65)', () => {
    expect(findInteractions([warfarin(), ibuprofenDraft()], { age: 72 })[0].severity).toBe('critical');
    expect(findInteractions([warfarin(), ibuprofenDraft()], { age: 65 })[0].severity).toBe('warning');
    expect(findInteractions([warfarin(), ibuprofenDraft()], {})[0].severity).toBe('warning');
  });

  test('a concurrent systemic corticosteroid raises it; a proton-pump inhibitor keeps it at warning', () => {
    const prednisone = active('predniSONE 5 MG Oral Tablet', '312617', 'mr-prednisone');
    const omeprazole = active('Omeprazole 20 MG Delayed Release Oral Capsule', undefined, 'mr-omeprazole');
    expect(findInteractions([warfarin(), ibuprofenDraft()], { otherMedications: [prednisone] })[0].severity).toBe('critical');
    const withPpi = findInteractions([warfarin(), ibuprofenDraft()], { age: 80, otherMedications: [omeprazole] })[0];
    expect(withPpi.severity).toBe('warning');
    expect(withPpi.mitigatedBy).toHaveLength(1);
    expect(withPpi.rationale).toMatch(/proton-pump inhibitor/);
  });

  test('topical diclofenac with warfarin is informational only', () => {
    const gel = draft('Diclofenac Sodium 0.01 MG/MG Topical Gel', '855633', 'mr-gel');
    const [finding] = findInteractions([warfarin(), gel], { age: 80 });
    expect(finding.severity).toBe('info');
    expect(finding.rationale).toMatch(/low systemic absorption/);
  });

  test('digoxin + a new cyclosporine start is critical; adding digoxin to established cyclosporine is a warning', () => {
    const digoxin = (source: 'draft' | 'active') => (source === 'draft' ? draft : active)('Digoxin 0.125 MG Oral Tablet', '197604', `digoxin-${source}`);
    const cyclosporine = (source: 'draft' | 'active') => (source === 'draft' ? draft : active)('cycloSPORINE 50 MG Oral Capsule', '835900', `cyclo-${source}`);
    expect(findInteractions([digoxin('active'), cyclosporine('draft')])[0].severity).toBe('critical');
    expect(findInteractions([cyclosporine('active'), digoxin('draft')])[0].severity).toBe('warning');
  });

  test('an ONC high-priority pair (simvastatin + verapamil) is a warning of its reviewed rule, with the dose limit', () => {
    const [finding] = findInteractions([active('Simvistatin 10 MG', '316672'), draft('Verapamil Hydrochloride 40 MG', '897718')]);
    expect(finding).toMatchObject({ severity: 'warning', source: 'reviewed', interactionId: 'simva-lova-dose-limit' });
    expect(finding.rationale).toMatch(/myopathy.*10 mg/);
    expect(finding.sources).toEqual(['FDA prescribing information of these drugs', 'ONC high-priority DDI list (Phansalkar 2012)']);
  });

  test('only pairs with a draft drug, unless reviewing all medications', () => {
    const ibuprofenActive = active('Ibuprofen 200 MG Oral Tablet', '310965');
    expect(findInteractions([warfarin(), ibuprofenActive])).toEqual([]);
    expect(findInteractions([warfarin(), ibuprofenActive], {}, { mode: 'review' })).toHaveLength(1);
  });

  test('unrelated drugs give nothing', () => {
    expect(findInteractions([active('Amoxicillin 500 MG Oral Tablet', '308192'), draft('Acetaminophen 325 MG Oral Tablet', '313782')], { age: 90 })).toEqual([]);
    expect(findInteractions([candidate('lisinopril'), candidate('metformin'), candidate('simvastatin')])).toEqual([]);
  });

  test('findings come most severe first', () => {
    const bleed = coded('Acute gastric ulcer with hemorrhage', '89748001', SNOMED);
    const findings = findInteractions(
      [warfarin(), ibuprofenDraft(), active('Simvistatin 10 MG', '316672'), draft('Verapamil Hydrochloride 40 MG', '897718')],
      { conditions: [bleed] },
    );
    expect(findings.map((finding) => finding.severity)).toEqual(['critical', 'warning']);
  });
});

describe('candidatesInteract / ddiRate', () => {
  test('candidate names interact at ingredient level', () => {
    expect(candidatesInteract('warfarin', 'ibuprofen')).toBe(true);
    expect(candidatesInteract('ibuprofen', 'warfarin')).toBe(true);
    expect(candidatesInteract('acetaminophen / oxycodone', 'amoxicillin')).toBe(false);
    expect(candidatesInteract('simvastatin', 'simvastatin')).toBe(false);
  });

  test('the DDI rate is the share of interacting pairs, null without a pair', () => {
    expect(ddiRate(['warfarin', 'ibuprofen', 'acetaminophen'])).toBeCloseTo(1 / 3);
    expect(ddiRate(['warfarin', 'ibuprofen', 'simvastatin', 'verapamil'])).toBeCloseTo(2 / 6);
    expect(ddiRate(['amoxicillin', 'acetaminophen'])).toBe(0);
    expect(ddiRate(['warfarin'])).toBeNull();
    expect(ddiRate(['warfarin', 'warfarin'])).toBeNull();
  });
});
