/**
 * The suggestion-setting table (fhir-mappings/suggestion-settings.json): every candidate of the model's
 * vocabulary and every drug ordered in ../shared/data has a reviewed setting (a new vocabulary candidate
 * without one fails here), and the setting decides where a drug may be suggested.
 */
import * as fs from 'fs';
import * as path from 'path';
import { gunzipSync } from 'zlib';
import { encounterSetting, loadSuggestionSettings, validateSuggestionSettings } from '../../src/medications/suggestion-settings';
import { loadVocabulary } from '../../src/medications/vocabulary';
import { loadDrugKnowledge } from '../../src/safety/drugs';
import { SHARED_DIR } from '../../src/paths';

const settings = loadSuggestionSettings();
const vocabulary = loadVocabulary();
const catalogue = loadDrugKnowledge().catalogue;
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';

interface CodeableConcept {
  text?: string;
  coding?: { code?: string; display?: string; system?: string }[];
}
interface Resource {
  resourceType?: string;
  id?: string;
  code?: CodeableConcept;
  medicationCodeableConcept?: CodeableConcept;
  medicationReference?: { reference?: string };
}

/** Every medication product ordered in the four shared populations, by display (read straight from the files). */
function orderedProducts(): Map<string, string | undefined> {
  const products = new Map<string, string | undefined>();
  const add = (concept: CodeableConcept | undefined): void => {
    const display = concept?.text ?? concept?.coding?.[0]?.display;
    if (display) products.set(display, concept?.coding?.find((c) => c.code)?.code);
  };
  const dataDir = path.join(SHARED_DIR, 'data');
  for (const population of fs.readdirSync(dataDir)) {
    const folder = path.join(dataDir, population);
    for (const name of fs.readdirSync(folder).filter((n) => n.endsWith('.gz'))) {
      const text = gunzipSync(fs.readFileSync(path.join(folder, name))).toString('utf8');
      const resources: Resource[] = name.endsWith('.ndjson.gz')
        ? name.startsWith('MedicationRequest')
          ? text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Resource)
          : []
        : ((JSON.parse(text) as { entry?: { resource?: Resource; fullUrl?: string }[] }).entry ?? []).map((e) => e.resource ?? {});
      const medications = new Map(resources.filter((r) => r.resourceType === 'Medication').map((r) => [r.id, r.code]));
      for (const resource of resources) {
        if (resource.resourceType !== 'MedicationRequest') continue;
        if (resource.medicationCodeableConcept) add(resource.medicationCodeableConcept);
        else add(medications.get(resource.medicationReference?.reference?.split(/[/:]/).pop()));
      }
    }
  }
  return products;
}

test('every candidate of the vocabulary has a reviewed setting', () => {
  const missing = vocabulary.candidates.map((c) => c.name).filter((name) => settings.entryOf(name) === undefined);
  expect(missing).toEqual([]);
});

test('every drug ordered in ../shared/data (all four populations) has a reviewed setting', () => {
  const products = orderedProducts();
  expect(products.size).toBeGreaterThan(200);
  const missing: string[] = [];
  for (const [display, code] of products) {
    // As the checks see the order: the drug catalogue's name for it (contract A).
    const resolved = catalogue.resolveDrug({ display, code, system: RXNORM, codings: code ? [{ system: RXNORM, code, display }] : [] });
    if (settings.entryOf(resolved.name) === undefined) missing.push(`${display} → ${resolved.name}`);
  }
  expect(missing).toEqual([]);
}, 60_000);

test('specialist-only and withdrawn drugs are never suggested; inpatient-only ones only in a stay or the ED', () => {
  expect(settings.verdict('alteplase', 'outpatient')).toMatchObject({ allowed: false, reason: expect.stringMatching(/^specialist use only \(thrombolysis\)/) });
  expect(settings.verdict('alteplase', 'inpatient').allowed).toBe(false);
  for (const drug of ['cisplatin', 'propofol', 'heparin']) expect(settings.verdict(drug, 'inpatient').allowed).toBe(false);
  for (const drug of ['astemizole', 'terfenadine', 'tacrine']) expect(settings.verdict(drug, 'inpatient')).toMatchObject({ allowed: false, reason: expect.stringMatching(/^never suggested/) });
  expect(settings.verdict('piperacillin / tazobactam', 'outpatient')).toMatchObject({ allowed: false, reason: expect.stringMatching(/outpatient visit/) });
  expect(settings.verdict('piperacillin / tazobactam', 'emergency').allowed).toBe(true);
  expect(settings.verdict('amoxicillin', 'outpatient').allowed).toBe(true);
  expect(settings.verdict('lisinopril', 'inpatient').allowed).toBe(true);
});

test('a combination not listed takes its most restrictive ingredient; an unknown drug is not suggested', () => {
  expect(settings.entryOf('amoxicillin / heparin')?.setting).toBe('specialist-only');
  expect(settings.verdict('zzz-unknown', 'outpatient')).toMatchObject({ allowed: false, reason: expect.stringMatching(/no reviewed suggestion setting/) });
});

test('the encounter class decides the setting', () => {
  expect(encounterSetting('AMB')).toBe('outpatient');
  expect(encounterSetting(undefined)).toBe('outpatient');
  expect(encounterSetting('EMER')).toBe('emergency');
  expect(encounterSetting('IMP')).toBe('inpatient');
});

test('a table entry without a source or with an unknown setting is refused with the file name', () => {
  const good = settings.file;
  expect(() => validateSuggestionSettings({ ...good, drugs: { x: { setting: 'sometimes', reason: 'r', sources: ['FDA-label'], review: 'p' } } }, 's.json')).toThrow(/s\.json: x: setting/);
  expect(() => validateSuggestionSettings({ ...good, drugs: { x: { setting: 'never', reason: 'r', sources: ['nowhere'], review: 'p' } } }, 's.json')).toThrow(/s\.json: x must cite/);
});
