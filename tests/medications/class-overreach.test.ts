/**
 * Class indications a clinician would not accept (K4, the pharmacist's read): a tramadol card listed "Chronic
 * intractable migraine without aura (a known indication of its drug class)". Each case below is a class-level link
 * a pharmacist would strike — and what the class does treat still holds — read through the drug catalogue and the
 * class table (fhir-mappings/indications-by-class.json, condition-groups.json) as the service reads them.
 */
import type { Concept } from '../../src/fhir/types';
import type { IndicationDrug } from '../../src/medications/drug-indications';
import { cardKnowledge } from '../../src/server/wiring';

const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const SNOMED = 'http://snomed.info/sct';
const knowledge = cardKnowledge();
const rules = knowledge.drugIndications;

const product = (display: string, code?: string): Concept => ({ display, codings: code ? [{ system: RXNORM, code, display }] : [] });
const snomed = (code: string, display: string): Concept => ({ system: SNOMED, code, display, codings: [{ system: SNOMED, code, display }] });
function drug(display: string, code?: string): IndicationDrug {
  const found = knowledge.describe.ofConcept(product(display, code));
  if (!found) throw new Error(`the catalogue cannot read ${display}`);
  return found;
}
const treats = (d: IndicationDrug, condition: Concept): boolean => rules.supporting(rules.profile(d), [condition], (c) => c).length > 0;

const MIGRAINE = snomed('124171000119105', 'Chronic intractable migraine without aura');
const CHRONIC_PAIN = snomed('82423001', 'Chronic pain');
const SPRAIN = snomed('44465007', 'Sprain of ankle');
const FRACTURE = snomed('16114001', 'Fracture of ankle');
const DENTAL = snomed('196416002', 'Impacted molars');
const BURN = snomed('403191005', 'Second degree burn');
const DIABETES = snomed('44054006', 'Diabetes mellitus type 2');
const NEUROPATHY = snomed('368581000119106', 'Neuropathy due to type 2 diabetes mellitus');
const MICROALBUMINURIA = snomed('90781000119102', 'Microalbuminuria due to type 2 diabetes mellitus');
const HYPERTENSION = snomed('59621000', 'Essential hypertension');
const CHD = snomed('53741008', 'Coronary arteriosclerosis');
const STEMI = snomed('401303003', 'Acute ST segment elevation myocardial infarction');
const ALCOHOLISM = snomed('7200002', 'Alcoholism');
const WITHDRAWAL = snomed('8635005', 'Alcohol withdrawal syndrome');
const FEVER = snomed('386661006', 'Fever');
const PNEUMONIA = snomed('233604007', 'Pneumonia');
const SINUSITIS = snomed('40055000', 'Chronic sinusitis');
const COUGH = snomed('49727002', 'Cough');

const tramadol = () => drug('tramadol hydrochloride 50 MG Oral Tablet', '835603');
const percocet = () => drug('Acetaminophen 325 MG / Oxycodone Hydrochloride 10 MG Oral Tablet [Percocet]', '1049625');

describe('opioids are no migraine treatment (American Headache Society 2021; AHS Choosing Wisely 2013)', () => {
  test('tramadol: not for migraine, and a new order whose only apparent reason is migraine is a warning saying so', () => {
    expect(treats(tramadol(), MIGRAINE)).toBe(false);
    const not = rules.notTreatedAmong(rules.profile(tramadol()), [MIGRAINE], (c) => c);
    expect(not?.notTreated.indicator).toBe('warning');
    expect(not?.notTreated.reason).toMatch(/not a treatment of migraine/);
  });

  test('an opioid combination with acetaminophen is no migraine treatment either, though acetaminophen alone is', () => {
    expect(treats(percocet(), MIGRAINE)).toBe(false);
    expect(treats(drug('Acetaminophen 325 MG Oral Tablet', '313782'), MIGRAINE)).toBe(true);
    expect(treats(drug('Ibuprofen 400 MG Oral Tablet [Ibu]', '206905'), MIGRAINE)).toBe(true);
  });

  test('opioids still treat pain: chronic pain, a fracture, a dental extraction', () => {
    for (const condition of [CHRONIC_PAIN, FRACTURE, DENTAL]) expect(treats(tramadol(), condition)).toBe(true);
    expect(treats(percocet(), FRACTURE)).toBe(true);
  });
});

test('gabapentinoids treat neuropathic pain, not every pain or diabetes itself (FDA labels; NICE CG173)', () => {
  const pregabalin = drug('pregabalin 100 MG [Lyrica]', '607015');
  expect(treats(pregabalin, NEUROPATHY)).toBe(true);
  for (const condition of [FRACTURE, DENTAL, SPRAIN, DIABETES, MIGRAINE]) expect(treats(pregabalin, condition)).toBe(false);
});

test('duloxetine: neuropathic and chronic musculoskeletal pain, not an acute injury or diabetes itself', () => {
  const duloxetine = drug('DULoxetine 20 MG [Cymbalta]', '596927');
  expect(treats(duloxetine, NEUROPATHY)).toBe(true);
  expect(treats(duloxetine, CHRONIC_PAIN)).toBe(true);
  for (const condition of [FRACTURE, DIABETES]) expect(treats(duloxetine, condition)).toBe(false);
});

test('muscle relaxants: an acute musculoskeletal condition, not burns, dental pain or migraine; baclofen spasticity', () => {
  const cyclobenzaprine = drug('Cyclobenzaprine Hydrochloride 10 MG Oral Tablet');
  expect(treats(cyclobenzaprine, SPRAIN)).toBe(true);
  for (const condition of [BURN, DENTAL, MIGRAINE]) expect(treats(cyclobenzaprine, condition)).toBe(false);
  expect(treats(drug('Baclofen 10 MG Oral Tablet'), snomed('24700007', 'Multiple sclerosis'))).toBe(true);
  expect(treats(drug('Baclofen 10 MG Oral Tablet'), SPRAIN)).toBe(false);
});

test('ACE inhibitors and ARBs: diabetes with kidney disease or albuminuria, not diabetes alone (ADA 2024)', () => {
  const irbesartan = drug('irbesartan 300 MG Oral Tablet', '200096');
  expect(treats(irbesartan, DIABETES)).toBe(false);
  expect(treats(irbesartan, MICROALBUMINURIA)).toBe(true);
  expect(treats(irbesartan, HYPERTENSION)).toBe(true);
});

test('heparin: an acute coronary syndrome, not stable coronary disease', () => {
  const heparin = drug('heparin sodium, porcine 1000 UNT/ML Injectable Solution', '1361226');
  expect(treats(heparin, STEMI)).toBe(true);
  expect(treats(heparin, CHD)).toBe(false);
});

test('a benzodiazepine: alcohol withdrawal, not alcohol use disorder itself (APA 2018)', () => {
  const diazepam = drug('Diazepam 5 MG Oral Tablet', '197591');
  expect(treats(diazepam, WITHDRAWAL)).toBe(true);
  expect(treats(diazepam, ALCOHOLISM)).toBe(false);
});

test('a nasal corticosteroid: rhinosinusitis, not fever or pneumonia (AAO-HNS 2015)', () => {
  const fluticasone = drug('Fluticasone propionate 0.05 MG/ACTUAT Nasal Spray');
  expect(treats(fluticasone, SINUSITIS)).toBe(true);
  for (const condition of [FEVER, PNEUMONIA]) expect(treats(fluticasone, condition)).toBe(false);
});

test('an opioid antitussive: cough, not fever', () => {
  const hydrocodone = drug('12 HR Hydrocodone Bitartrate 10 MG Extended Release Oral Capsule', '1860491');
  expect(treats(hydrocodone, COUGH)).toBe(true);
  expect(treats(hydrocodone, FEVER)).toBe(false);
});
