/**
 * Two or three opioids at once (issue: the pharmacist's read, K4): the release read from the product text
 * (fhir-mappings/release-types.json) and the "two opioids" duplicate rule (fhir-mappings/duplicate-therapy.json):
 * two short-acting or two long-acting opioids are a duplicate; a long-acting opioid with a short-acting one for
 * breakthrough pain is the intended regimen — also when both hold the same opioid (OxyContin with Percocet), where
 * the acetaminophen of two short-acting combinations still counts. Drugs built through the real drug catalogue.
 */
import { loadDuplicateTherapy } from '../../src/safety/duplicate-rules';
import { findDuplicates } from '../../src/safety/duplicates';
import { loadReleaseTypes, validateReleaseTypes } from '../../src/medications/release';
import { active, draft, knowledge } from './helpers';

const table = loadDuplicateTherapy();

const oxycontin = (source: 'draft' | 'active' = 'draft') =>
  (source === 'draft' ? draft : active)('Abuse-Deterrent 12 HR Oxycodone Hydrochloride 10 MG Extended Release Oral Tablet [Oxycontin]', '1049504');
const fentanylPatch = (source: 'draft' | 'active' = 'draft') => (source === 'draft' ? draft : active)('72 HR Fentanyl 0.025 MG/HR Transdermal System', '245134');
const hydrocodoneEr = () => draft('12 HR Hydrocodone Bitartrate 10 MG Extended Release Oral Capsule', '1860491');
const percocet = () => draft('Acetaminophen 325 MG / Oxycodone Hydrochloride 10 MG Oral Tablet [Percocet]', '1049625');
const tramadol = (source: 'draft' | 'active' = 'draft') => (source === 'draft' ? draft : active)('tramadol hydrochloride 50 MG Oral Tablet', '835603');
const found = (drugs: Parameters<typeof findDuplicates>[0]) => findDuplicates(drugs, { table }).map((f) => [f.ruleId, f.basis, f.severity, f.drugs.map((d) => d.name).sort().join(' + ')]);

describe('the release of a product, from its text', () => {
  const release = loadReleaseTypes();
  test.each([
    ['Abuse-Deterrent 12 HR Oxycodone Hydrochloride 10 MG Extended Release Oral Tablet [Oxycontin]', ['oxycodone'], 'long-acting'],
    ['oxyCODONE Hydrochloride 15 MG [OxyCONTIN]', ['oxycodone'], 'long-acting'],
    ['72 HR Fentanyl 0.025 MG/HR Transdermal System', ['fentanyl'], 'long-acting'],
    ['Methadone Hydrochloride 10 MG Oral Tablet', ['methadone'], 'long-acting'],
    ['24 HR tramadol hydrochloride 100 MG Extended Release Oral Tablet', ['tramadol'], 'long-acting'],
    ['Morphine Sulfate ER 30 MG Oral Tablet', ['morphine'], 'long-acting'],
    ['tramadol hydrochloride 50 MG Oral Tablet', ['tramadol'], 'short-acting'],
    ['Acetaminophen 325 MG / Oxycodone Hydrochloride 10 MG Oral Tablet [Percocet]', ['acetaminophen', 'oxycodone'], 'short-acting'],
    ['1 ML Morphine Sulfate 5 MG/ML Injection', ['morphine'], 'short-acting'],
    // "er" inside a word is no release word.
    ['Sertraline 100 MG Oral Tablet', ['sertraline'], 'short-acting'],
  ])('%s (%j) → %s', (text, ingredients, expected) => {
    expect(release.releaseOf(text, ingredients)).toBe(expected);
  });

  test('every order carries it', () => {
    expect(oxycontin().release).toBe('long-acting');
    expect(percocet().release).toBe('short-acting');
    expect(knowledge.release.file.longActing.ingredients.methadone).toMatch(/long-acting/);
  });

  test('a table without sources for its lists is refused', () => {
    const broken = JSON.parse(JSON.stringify(release.file)) as Record<string, Record<string, unknown>>;
    broken.longActing.brandsSources = ['nowhere'];
    expect(() => validateReleaseTypes(broken)).toThrow(/cite sources/);
  });
});

describe('two or three opioids at once', () => {
  test('two short-acting opioids (oxycodone/acetaminophen + tramadol): a warning', () => {
    expect(found([percocet(), tramadol('active')])).toEqual([['opioids', 'class', 'warning', 'acetaminophen / oxycodone + tramadol']]);
  });

  test('three long-acting opioids: a warning for each pair', () => {
    const pairs = found([fentanylPatch(), hydrocodoneEr(), oxycontin()]);
    expect(pairs).toHaveLength(3);
    for (const pair of pairs) expect(pair.slice(0, 3)).toEqual(['opioids', 'class', 'warning']);
  });

  test('a long-acting opioid with a short-acting one for breakthrough pain: intended, no finding', () => {
    expect(found([fentanylPatch('active'), percocet()])).toEqual([]);
    expect(found([oxycontin('active'), tramadol()])).toEqual([]);
  });

  test('extended-release oxycodone with oxycodone/acetaminophen for breakthrough: the shared oxycodone is intended, no finding', () => {
    expect(found([oxycontin('active'), percocet()])).toEqual([]);
  });

  test('the same long-acting product again is a renewal, as before', () => {
    expect(found([oxycontin('active'), oxycontin()])).toEqual([['renewal-of-active', 'renewal', 'info', 'oxycodone + oxycodone']]);
  });

  test('buprenorphine, a partial agonist, is no breakthrough partner: with a long-acting full agonist it is a duplicate', () => {
    expect(found([draft('Buprenorphine 8 MG Sublingual Tablet'), oxycontin('active')])).toEqual([['opioids', 'class', 'warning', 'buprenorphine + oxycodone']]);
  });

  test('dextromethorphan is no opioid; remifentanil (anaesthesia) is not in the class', () => {
    const coughSyrup = draft('Acetaminophen 21.7 MG/ML / Dextromethorphan Hydrobromide 1 MG/ML / doxylamine succinate 0.417 MG/ML Oral Solution', '1043400');
    expect(found([coughSyrup, tramadol('active')])).toEqual([]);
    expect(found([draft('Remifentanil', '73032'), draft('1 ML Morphine Sulfate 5 MG/ML Injection', '1732136')])).toEqual([]);
  });
});
