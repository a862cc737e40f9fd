import type { Concept, ConditionEntry } from '../../src/fhir/types';
import { findContraindications, isActiveCondition, loadContraindications, validateContraindications } from '../../src/safety/contraindications';
import type { PatientLabs } from '../../src/safety/patient-factors';
import { drugFromCandidate, drugFromOrder, loadDrugKnowledge } from '../../src/safety/drugs';
import type { SafetyDrug } from '../../src/safety/types';

const SNOMED = 'http://snomed.info/sct';
const concept = (code: string, display: string): Concept => ({ system: SNOMED, code, display, codings: [{ system: SNOMED, code, display }] });
const condition = (id: string, code: string, display: string, extra: Partial<ConditionEntry> = {}): ConditionEntry => ({ id, concept: concept(code, display), ...extra });

const table = loadContraindications();
const knowledge = loadDrugKnowledge();
const draft = (name: string) => drugFromCandidate(name, 'draft', knowledge);
const draftOf = (display: string): SafetyDrug =>
  drugFromOrder({ id: display, concept: { display, codings: [] }, status: 'draft', reasonConditionIds: [], reasonConcepts: [], resource: { resourceType: 'MedicationRequest', status: 'draft', intent: 'order', subject: {} } }, 'draft', knowledge);

describe('findContraindications', () => {
  it('flags an opioid for a patient with a drug overdose (a warning: the CDC says "avoid unless"), naming the condition and the sources', () => {
    const overdose = condition('c1', '55680006', 'Drug overdose', { clinicalStatus: 'resolved', abatement: '2015-01-01' });
    const [finding, ...rest] = findContraindications([draft('acetaminophen / hydrocodone')], [overdose], table);
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ kind: 'contraindication', severity: 'warning', strength: 'avoid', ruleId: 'opioids-overdose-or-use-disorder', condition: { id: 'c1', display: 'Drug overdose' } });
    expect(finding.sources.join(' ')).toMatch(/CDC/);
    expect(finding.drug).toEqual({ name: 'acetaminophen / hydrocodone', orderId: 'acetaminophen / hydrocodone', source: 'draft' });
  });

  it('flags NSAIDs with heart failure, CKD stage 3+ and a history of GI bleeding, not acetaminophen', () => {
    const conditions = [
      condition('hf', '88805009', 'Chronic congestive heart failure', { clinicalStatus: 'active' }),
      condition('ckd', '433144002', 'Chronic kidney disease stage 3', { clinicalStatus: 'active' }),
      condition('gi', '6072007', 'Bleeding from anus', { clinicalStatus: 'resolved' }),
    ];
    const rules = findContraindications([draft('ibuprofen'), draft('acetaminophen')], conditions, table).map((f) => `${f.drug.name}:${f.ruleId}`);
    expect(rules.sort()).toEqual(['ibuprofen:nsaids-ckd', 'ibuprofen:nsaids-gi-bleeding', 'ibuprofen:nsaids-heart-failure']);
  });

  it('ignores resolved conditions for "active" rules and early CKD stages', () => {
    const resolvedHf = condition('hf', '88805009', 'Chronic congestive heart failure', { clinicalStatus: 'resolved' });
    const ckd1 = condition('ckd', '431855005', 'Chronic kidney disease stage 1', { clinicalStatus: 'active' });
    expect(findContraindications([draft('naproxen')], [resolvedHf, ckd1], table)).toEqual([]);
  });

  it('flags ACE inhibitors in pregnancy as critical and metformin in end-stage renal disease', () => {
    const pregnancy = condition('p', '72892002', 'Normal pregnancy');
    const esrd = condition('e', '46177005', 'End-stage renal disease');
    const findings = findContraindications([draft('lisinopril'), draft('metformin')], [pregnancy, esrd], table);
    expect(findings.map((f) => `${f.drug.name}:${f.severity}:${f.ruleId}`).sort()).toEqual([
      'lisinopril:critical:acei-pregnancy',
      'metformin:critical:metformin-severe-ckd',
    ]);
  });

  it('matches by code, not text', () => {
    const textOnly: ConditionEntry = { id: 'x', concept: { display: 'Drug overdose', codings: [] } };
    expect(findContraindications([draft('oxycodone')], [textOnly], table)).toEqual([]);
  });

  it('every rule cites listed sources and is pending clinical review', () => {
    for (const rule of table.rules.rules) {
      expect(rule.review).toBe('pending clinical review');
      for (const id of rule.sources) expect(table.rules.sources[id]).toBeDefined();
    }
  });
});

describe('label contraindications added after the lead\'s fourth read (each was a draft with no card)', () => {
  const cases: [drug: string, code: string, display: string, rule: string, severity: string][] = [
    ['sumatriptan', '399211009', 'History of myocardial infarction', 'triptans-ischaemic-heart-disease', 'critical'],
    ['rizatriptan', '266257000', 'Transient ischemic attack', 'triptans-stroke-tia', 'critical'],
    ['prasugrel', '230690007', 'Cerebrovascular accident', 'prasugrel-stroke-tia', 'critical'],
    ['propranolol', '195967001', 'Asthma', 'non-selective-beta-blockers-asthma', 'critical'],
    ['carvedilol', '233678006', 'Childhood asthma', 'non-selective-beta-blockers-asthma', 'critical'],
    ['bupropion', '84757009', 'Epilepsy', 'bupropion-seizure-disorder', 'critical'],
    ['estradiol', '128053003', 'Deep venous thrombosis', 'estrogens-venous-thromboembolism', 'critical'],
    ['estradiol', '254837009', 'Malignant neoplasm of breast', 'estrogens-breast-cancer', 'critical'],
    ['cilostazol', '84114007', 'Heart failure', 'cilostazol-heart-failure', 'critical'],
    ['pioglitazone', '88805009', 'Chronic congestive heart failure', 'thiazolidinediones-heart-failure', 'warning'],
    ['dronedarone', '84114007', 'Heart failure', 'dronedarone-heart-failure', 'warning'],
    ['isotretinoin', '77386006', 'Pregnancy', 'teratogens-pregnancy', 'critical'],
    ['leflunomide', '72892002', 'Normal pregnancy', 'teratogens-pregnancy', 'critical'],
    ['apixaban', '74474003', 'Gastrointestinal hemorrhage', 'anticoagulants-active-bleeding', 'critical'],
    ['clopidogrel', '274100004', 'Cerebral hemorrhage', 'p2y12-active-bleeding', 'critical'],
    ['haloperidol', '49049000', "Parkinson's disease", 'antipsychotics-parkinsons', 'warning'],
    ['metoclopramide', '49049000', "Parkinson's disease", 'antipsychotics-parkinsons', 'warning'],
    ['risperidone', '26929004', "Alzheimer's disease", 'antipsychotics-dementia', 'warning'],
  ];
  it.each(cases)('%s with %s (%s): %s, %s', (drug, code, display, rule, severity) => {
    const findings = findContraindications([draft(drug)], [condition('c', code, display, { clinicalStatus: 'active' })], table);
    expect(findings.map((f) => `${f.ruleId}:${f.severity}`)).toEqual([`${rule}:${severity}`]);
  });

  it('stays quiet where the labels do not contraindicate: a beta-1-selective blocker in asthma, a triptan for migraine alone, clopidogrel after a stroke', () => {
    const asthma = condition('a', '195967001', 'Asthma', { clinicalStatus: 'active' });
    const migraine = condition('m', '37796009', 'Migraine', { clinicalStatus: 'active' });
    const stroke = condition('s', '230690007', 'Cerebrovascular accident', { clinicalStatus: 'active' });
    expect(findContraindications([draft('metoprolol'), draft('bisoprolol'), draft('sumatriptan')], [asthma, migraine], table)).toEqual([]);
    expect(findContraindications([draft('clopidogrel'), draft('ticagrelor')], [stroke], table)).toEqual([]);
    const parkinsons = condition('p', '49049000', "Parkinson's disease", { clinicalStatus: 'active' });
    expect(findContraindications([draft('quetiapine'), draft('ondansetron')], [parkinsons], table)).toEqual([]);
    expect(findContraindications([draft('lithium')], [condition('d', '26929004', "Alzheimer's disease", { clinicalStatus: 'active' })], table)).toEqual([]);
  });
});

describe('rules met by the latest laboratory result (the record codes no kidney disease or hyperkalaemia)', () => {
  const lab = (kind: string, label: string, value: number, unit: string): PatientLabs => ({ [kind]: { kind, label, value, unit, date: '2026-11-20', loinc: 'x' } });
  const egfr22 = lab('egfr', 'eGFR', 22, 'mL/min/1.73 m²');
  const egfr45 = lab('egfr', 'eGFR', 45, 'mL/min/1.73 m²');

  it('metformin, nitrofurantoin and an NSAID at an eGFR of 22: each rule, naming the result', () => {
    const findings = findContraindications([draft('metformin'), draft('nitrofurantoin'), draft('ibuprofen')], [], table, { labs: egfr22 });
    expect(findings.map((f) => `${f.drug.name}:${f.ruleId}:${f.severity}`).sort()).toEqual([
      'ibuprofen:nsaids-ckd:warning',
      'metformin:metformin-severe-ckd:critical',
      'nitrofurantoin:nitrofurantoin-severe-ckd:warning',
    ]);
    expect(findings[0].condition).toEqual({ id: 'lab:egfr', display: 'eGFR 22 mL/min/1.73 m² (2026-11-20)', lab: true });
  });

  it('an eGFR of 45 is not below 30: metformin passes', () => {
    expect(findContraindications([draft('metformin')], [], table, { labs: egfr45 })).toEqual([]);
  });

  it('potassium 5.8: potassium chloride and spironolactone are contraindicated; 5.3 stops only the supplement', () => {
    const at = (value: number) => findContraindications([draft('potassium chloride'), draft('spironolactone')], [], table, { labs: lab('potassium', 'potassium', value, 'mmol/L') }).map((f) => `${f.drug.name}:${f.ruleId}`).sort();
    expect(at(5.8)).toEqual(['potassium chloride:potassium-supplements-hyperkalaemia', 'spironolactone:potassium-sparing-hyperkalaemia']);
    expect(at(5.3)).toEqual(['potassium chloride:potassium-supplements-hyperkalaemia']);
    expect(at(4.6)).toEqual([]);
  });

  it('a coded condition wins over the lab, and the loader refuses a lab kind the lab table lacks', () => {
    const esrd = condition('e', '46177005', 'End-stage renal disease', { clinicalStatus: 'active' });
    expect(findContraindications([draft('metformin')], [esrd], table, { labs: egfr22 })[0].condition).toMatchObject({ id: 'e', display: 'End-stage renal disease' });
    const rule = { ...table.rules.rules[0], lab: { kind: 'troponin', above: 1 } };
    expect(() => validateContraindications({ ...table.rules, rules: [rule] }, table.groups)).toThrow(/lab needs a kind of lab-codes.json/);
  });
});

describe('rules about children, met by the age at the decision', () => {
  it.each([
    ['acetaminophen / codeine', 8, 'codeine-children', 'critical'],
    ['tramadol', 11, 'tramadol-children', 'critical'],
    ['promethazine', 1, 'promethazine-under-2', 'critical'],
    ['aspirin', 9, 'aspirin-children-reye', 'warning'],
  ])('%s at %i: %s (%s)', (drug, age, rule, severity) => {
    const findings = findContraindications([draft(drug)], [], table, { age });
    expect(findings.map((f) => `${f.ruleId}:${f.severity}:${f.condition.display}`)).toEqual([`${rule}:${severity}:age ${age}`]);
  });

  it('names the class only where the rule is about a class ("acetaminophen / codeine (codeine): …", "tramadol: …")', () => {
    const [codeine] = findContraindications([draft('acetaminophen / codeine')], [], table, { age: 8 });
    const [tramadol] = findContraindications([draft('tramadol')], [], table, { age: 8 });
    expect(codeine.rationale).toMatch(/^acetaminophen \/ codeine \(codeine\): some children/);
    expect(tramadol.rationale).toMatch(/^tramadol: ultra-rapid/);
  });

  it('stays quiet at the ages the labels allow, and without a known age', () => {
    expect(findContraindications([draft('acetaminophen / codeine'), draft('tramadol')], [], table, { age: 12 })).toEqual([]);
    expect(findContraindications([draft('promethazine')], [], table, { age: 2 })).toEqual([]);
    expect(findContraindications([draft('aspirin')], [], table, { age: 16 })).toEqual([]);
    expect(findContraindications([draft('tramadol'), draft('aspirin')], [], table, {})).toEqual([]);
  });

  it('the loader refuses an age rule that also names a condition', () => {
    const rule = { ...table.rules.rules.find((r) => r.id === 'codeine-children'), conditionGroup: 'asthma' };
    expect(() => validateContraindications({ ...table.rules, rules: [rule] }, table.groups)).toThrow(/ageBelow is a child's age/);
  });
});

describe('drugs only an opioid-tolerant patient may start (met by the absence of an opioid in the record)', () => {
  const patch = (): SafetyDrug => draftOf('72 HR Fentanyl 0.025 MG/HR Transdermal System');
  const injection = (): SafetyDrug => draftOf('Fentanyl 0.05 MG/ML Injectable Solution');

  it('a fentanyl patch with no opioid now or in the past 30 days: critical, naming what the record lacks', () => {
    const [finding, ...rest] = findContraindications([patch()], [], table, { recentAtc: ['C09AA03'] });
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ ruleId: 'fentanyl-patch-opioid-naive', severity: 'critical', condition: { display: 'no opioid now or in the past 30 days', absent: true }, conditionGroup: 'opioid-non-tolerant patients' });
  });

  it('quiet with a recent opioid, for fentanyl given by injection, and when the medication data may be incomplete', () => {
    expect(findContraindications([patch()], [], table, { recentAtc: ['N02AA05'] })).toEqual([]);
    expect(findContraindications([injection()], [], table, { recentAtc: [] })).toEqual([]);
    expect(findContraindications([patch()], [], table, {})).toEqual([]);
  });
});

describe('isActiveCondition', () => {
  it('reads clinicalStatus, else abatement', () => {
    expect(isActiveCondition(condition('a', '1', 'x', { clinicalStatus: 'active' }))).toBe(true);
    expect(isActiveCondition(condition('a', '1', 'x', { clinicalStatus: 'resolved' }))).toBe(false);
    expect(isActiveCondition(condition('a', '1', 'x', { abatement: '2020-01-01' }))).toBe(false);
    expect(isActiveCondition(condition('a', '1', 'x'))).toBe(true);
  });
});
