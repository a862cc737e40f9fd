/** The reviewed interaction rules in use: classes, labs, three-drug rules, one finding per pair. */
import { findInteractions } from '../../src/safety/interactions';
import type { LabValue } from '../../src/safety/patient-factors';
import type { PatientContext } from '../../src/safety/types';
import { active, candidate, coded, draft, SNOMED } from './helpers';

const lab = (kind: string, label: string, value: number, unit: string): LabValue => ({ kind, label, value, unit, date: '2024-05-01', loinc: '0' });
const potassium = (value: number) => lab('potassium', 'potassium', value, 'mmol/L');
const egfr = (value: number) => lab('egfr', 'eGFR', value, 'mL/min/1.73 m²');

describe('class members the rules never name', () => {
  test('paroxetine (read from its text) + tramadol: serotonin syndrome, a warning naming both', () => {
    const [finding] = findInteractions([active('PARoxetine 20 MG Oral Tablet'), draft('tramadol hydrochloride 50 MG Oral Tablet', '835603')], { age: 50 });
    expect(finding).toMatchObject({ severity: 'warning', interactionId: 'ssri-snri-serotonergic-opioid' });
    expect(finding.rationale).toMatch(/^paroxetine \+ tramadol: Serotonin syndrome/);
  });

  test('ticagrelor + naproxen: antiplatelet + NSAID; an 88-year-old is named a risk without becoming critical', () => {
    const [finding] = findInteractions([active('ticagrelor 90 MG Oral Tablet'), draft('Naproxen sodium 220 MG Oral Tablet', '849574')], { age: 88 });
    expect(finding).toMatchObject({ severity: 'warning', interactionId: 'antiplatelet-nsaid' });
    expect(finding.riskFactors).toEqual([expect.stringMatching(/Beers/)]);
  });

  test('a history of GI bleeding makes it critical', () => {
    const bleed = coded('Gastrointestinal hemorrhage', '74474003', SNOMED);
    expect(findInteractions([active('ticagrelor 90 MG Oral Tablet'), draft('Naproxen sodium 220 MG Oral Tablet', '849574')], { age: 60, conditions: [bleed] })[0].severity).toBe('critical');
  });
});

describe('labs from the record', () => {
  const pair = () => [active('lisinopril 10 MG Oral Tablet', '314076'), draft('Spironolactone 25 MG Oral Tablet')];

  test('no potassium or eGFR: a warning that says the record lacks them', () => {
    const [finding] = findInteractions(pair(), { age: 60, labs: {} });
    expect(finding.severity).toBe('warning');
    expect(finding.missingLabs).toEqual(['potassium', 'egfr']);
    expect(finding.rationale).toMatch(/No recent potassium or eGFR or creatinine result in the record\./);
  });

  test('a raised potassium makes it critical and is quoted', () => {
    const [finding] = findInteractions(pair(), { labs: { potassium: potassium(5.6), egfr: egfr(70) } });
    expect(finding.severity).toBe('critical');
    expect(finding.rationale).toMatch(/potassium above 5\.0.*potassium 5\.6 mmol\/L \(2024-05-01\)/);
  });

  test('a recent normal potassium and eGFR lower it to info', () => {
    const [finding] = findInteractions(pair(), { labs: { potassium: potassium(4.4), egfr: egfr(70) } });
    expect(finding.severity).toBe('info');
    expect(finding.rationale).toMatch(/Lower risk: a recent potassium/);
  });

  test('when the request says lab results may be incomplete, the card says so instead of "none in the record"', () => {
    const [finding] = findInteractions(pair(), { labs: {}, labsMayBeIncomplete: true });
    expect(finding.rationale).toMatch(/may be incomplete/);
    expect(finding.rationale).not.toMatch(/in the record/);
  });

  test('an INR above 3 makes warfarin + an antibiotic critical', () => {
    const warfarin = active('Warfarin Sodium 5 MG Oral Tablet', '855332');
    const augmentin = draft('Amoxicillin 250 MG / Clavulanate 125 MG Oral Tablet', '562251');
    expect(findInteractions([warfarin, augmentin], { labs: { inr: lab('inr', 'INR', 3.6, '') } })[0].severity).toBe('critical');
    expect(findInteractions([warfarin, augmentin], { labs: { inr: lab('inr', 'INR', 2.4, '') } })[0].severity).toBe('warning');
  });

  test('digoxin + new cyclosporine is not raised when a recent digoxin level is known', () => {
    const digoxin = active('Digoxin 0.125 MG Oral Tablet', '197604');
    const cyclosporine = draft('cycloSPORINE 50 MG Oral Capsule', '835900');
    expect(findInteractions([digoxin, cyclosporine], { labs: {} })[0].severity).toBe('critical');
    expect(findInteractions([digoxin, cyclosporine], { labs: { digoxin: lab('digoxin', 'digoxin concentration', 0.8, 'ng/mL') } })[0].severity).toBe('warning');
  });
});

describe('three-drug rule: ACE inhibitor/ARB + diuretic + NSAID', () => {
  const context: PatientContext = { age: 60, labs: {} };

  test('three separate orders give one finding, on the draft, naming the third drug', () => {
    const findings = findInteractions([active('lisinopril 10 MG Oral Tablet', '314076'), active('Hydrochlorothiazide 25 MG Oral Tablet', '310798'), draft('Ibuprofen 400 MG Oral Tablet [Ibu]', '206905')], context);
    expect(findings.map((f) => f.interactionId)).toEqual(['triple-whammy']);
    expect(findings[0]).toMatchObject({ severity: 'warning', third: expect.objectContaining({ name: 'hydrochlorothiazide' }) });
    expect(findings[0].rationale).toMatch(/lisinopril \+ ibuprofen with hydrochlorothiazide \(a diuretic\): Acute kidney injury/);
  });

  test('a diuretic ordered for a patient on an ACE inhibitor and an NSAID completes the triple', () => {
    const findings = findInteractions([active('lisinopril 10 MG Oral Tablet', '314076'), active('Naproxen sodium 220 MG Oral Tablet', '849574'), draft('Furosemide 40 MG Oral Tablet', '313988')], context);
    expect(findings.map((f) => f.interactionId)).toEqual(['triple-whammy']);
  });

  test('a combination product holds two of the three; without a diuretic the pair is only info', () => {
    expect(findInteractions([active('hydrochlorothiazide 25 MG / lisinopril 20 MG Oral Tablet', '197887'), draft('Ibuprofen 400 MG Oral Tablet [Ibu]', '206905')], context)[0]).toMatchObject({ interactionId: 'triple-whammy', severity: 'warning' });
    expect(findInteractions([active('lisinopril 10 MG Oral Tablet', '314076'), draft('Ibuprofen 400 MG Oral Tablet [Ibu]', '206905')], context)[0]).toMatchObject({ interactionId: 'ras-nsaid', severity: 'info' });
  });
});

describe('one finding per pair', () => {
  test('pimozide + clarithromycin matches the CYP3A4 and the QT rules: one critical finding, the QT rule folded in', () => {
    const findings = findInteractions([active('pimozide 2 MG Oral Tablet'), draft('Clarithromycin 500 MG Oral Tablet')]);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'critical', interactionId: 'pimozide-cyp3a4', alsoRules: ['qt-qt'] });
    expect(findings[0].rationale).toMatch(/Also: Additive QT-interval prolongation/);
  });

  test('the same drug twice (a renewal) is not an interaction, nor two orders of one QT drug', () => {
    expect(findInteractions([active('Citalopram 20 MG Oral Tablet', undefined, 'a'), draft('Citalopram 40 MG Oral Tablet', undefined, 'b')])).toEqual([]);
  });

  test('LAMO candidates are checked through the catalogue too', () => {
    expect(findInteractions([candidate('simvastatin', 'active'), candidate('clarithromycin')])[0]).toMatchObject({ severity: 'critical', interactionId: 'simva-lova-strong-cyp3a4' });
  });
});

describe("a label's dose limit read from the product's strength", () => {
  // FDA simvastatin label: with amlodipine or ranolazine, do not exceed 20 mg daily.
  const amlodipine = () => active('Amlodipine 5 MG Oral Tablet', '197361');

  test('simvastatin 20 mg with amlodipine: within the limit, information only', () => {
    const [finding] = findInteractions([amlodipine(), draft('Simvastatin 20 MG Oral Tablet', '312961')]);
    expect(finding).toMatchObject({ severity: 'info', interactionId: 'simva-dose-note', riskFactors: [] });
  });

  test('simvastatin 40 mg with amlodipine: above the limit, a warning that says why', () => {
    const [finding] = findInteractions([amlodipine(), draft('simvastatin 40 MG Oral Tablet', '198211')]);
    expect(finding).toMatchObject({ severity: 'warning', interactionId: 'simva-dose-note' });
    expect(finding.rationale).toMatch(/Higher risk: simvastatin above 20 mg per tablet/);
  });

  test('a product text without a strength keeps the rule at information', () => {
    expect(findInteractions([amlodipine(), draft('simvastatin oral tablet')])[0]).toMatchObject({ severity: 'info', interactionId: 'simva-dose-note' });
  });
});
