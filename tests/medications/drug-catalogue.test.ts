/** The drug catalogue (contract A): products and free text resolve to ingredients and WHO ATC classes. */
import type { Concept } from '../../src/fhir/types';
import { defaultDrugCatalogue, loadDrugCatalogue, routeOf } from '../../src/medications/drug-catalogue';
import { loadNameTables, loadVocabulary } from '../../src/medications/vocabulary';

const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const catalogue = loadDrugCatalogue({ vocabulary: loadVocabulary() });

function product(display: string, code?: string, system = RXNORM): Concept {
  return { system, code, display, codings: [{ system, code, display }] };
}

describe('resolveDrug', () => {
  test('a product of the data resolves by its RxNorm code, with the model candidate when the model scores it', () => {
    const drug = catalogue.resolveDrug(product('Clopidogrel 75 MG Oral Tablet', '309362'));
    expect(drug).toEqual(expect.objectContaining({ name: 'clopidogrel', ingredients: ['clopidogrel'], atc: ['B01AC04'], known: true, via: 'rxnorm', candidate: 'clopidogrel' }));
  });

  test('drugs outside the model vocabulary still carry their classes (prasugrel, rosuvastatin, ketorolac, tramadol)', () => {
    expect(catalogue.resolveDrug(product('prasugrel 10 MG Oral Tablet', '855812')).atc).toEqual(['B01AC22']);
    expect(catalogue.resolveDrug(product('rosuvastatin calcium 10 MG Oral Tablet [Crestor]', '859749')).atc).toEqual(['C10AA07']);
    const ketorolac = catalogue.resolveDrug(product('ketorolac tromethamine 10 MG Oral Tablet', undefined));
    expect(ketorolac).toEqual(expect.objectContaining({ name: 'ketorolac', atc: ['M01AB15'], known: true, via: 'text' }));
    expect(ketorolac.candidate).toBeUndefined();
    expect(catalogue.resolveDrug(product('tramadol hydrochloride 50 MG Oral Tablet', '835603')).atc).toEqual(['N02AX02']);
  });

  test('a local code with a display is read from the text (never a guessed RxNorm code)', () => {
    const drug = catalogue.resolveDrug(product('PARoxetine 20 MG Oral Tablet', 'LOCAL-123', 'https://ehr.example.org/formulary'));
    expect(drug).toEqual(expect.objectContaining({ name: 'paroxetine', atc: ['N06AB05'], known: true, via: 'text' }));
  });

  test('WHO and US names meet: paracetamol, salbutamol, ciclosporin', () => {
    expect(catalogue.resolveDrug(product('Paracetamol 500 MG Oral Tablet')).name).toBe('acetaminophen');
    expect(catalogue.resolveDrug(product('Salbutamol 100 MCG/ACTUAT Metered Dose Inhaler'))).toEqual(expect.objectContaining({ name: 'albuterol', atc: ['R03AC02'], route: 'inhaled' }));
    expect(catalogue.resolveDrug(product('Ciclosporin 25 MG Oral Capsule')).name).toBe('cyclosporine');
  });

  test('the route picks the code: eye-drop timolol is an ophthalmic, oral timolol a beta blocker', () => {
    expect(catalogue.resolveDrug(product('timolol 5 MG/ML Ophthalmic Solution')).atc).toEqual(['S01ED01']);
    expect(catalogue.resolveDrug(product('timolol maleate 10 MG Oral Tablet')).atc).toEqual(['C07AA06']);
    expect(catalogue.resolveDrug(product('Hydrocortisone 10 MG/ML Topical Cream', '106258')).atc).toEqual(['D07AA02']);
    expect(catalogue.resolveDrug(product('Hydrocortisone 10 MG Oral Tablet')).atc).toEqual(['H02AB09']);
    expect(routeOf('Diclofenac Sodium 10 MG/ML Topical Gel', catalogue.file.routes.local)).toBe('topical');
  });

  test('a combination counts by each ingredient, with the WHO combination code where there is one', () => {
    const hctzLisinopril = catalogue.resolveDrug(product('hydrochlorothiazide 12.5 MG / lisinopril 20 MG Oral Tablet', '197886'));
    expect(hctzLisinopril.ingredients).toEqual(['hydrochlorothiazide', 'lisinopril']);
    expect(hctzLisinopril.atc).toEqual(expect.arrayContaining(['C03AA03', 'C09AA03']));
    expect(catalogue.resolveDrug(product('Amoxicillin 875 MG / Clavulanate 125 MG Oral Tablet')).atc).toEqual(['J01CA04', 'J01CR02']);
  });

  test('an ingredient the catalogue does not hold is read but not classed; no ingredient at all keeps the display', () => {
    expect(catalogue.resolveDrug(product('Foobarizumab 10 MG Injection'))).toEqual(expect.objectContaining({ name: 'foobarizumab', ingredients: ['foobarizumab'], atc: [], known: false }));
    const partly = catalogue.resolveDrug(product('Foobarin 5 MG / Warfarin Sodium 5 MG Oral Tablet'));
    expect(partly.known).toBe(false);
    expect(partly.atc).toEqual(['B01AA03']);
    expect(catalogue.resolveDrug(product('  '))).toEqual(expect.objectContaining({ ingredients: [], atc: [], known: false, via: 'none' }));
  });
});

describe('coverage', () => {
  test('every ingredient of the common outpatient classes the interaction rules name is in the catalogue', () => {
    const members = [
      'fluoxetine', 'sertraline', 'paroxetine', 'citalopram', 'escitalopram', 'fluvoxamine', 'venlafaxine', 'duloxetine', 'desvenlafaxine',
      'amitriptyline', 'nortriptyline', 'phenelzine', 'tranylcypromine', 'selegiline', 'linezolid', 'methylene blue', 'sumatriptan', 'rizatriptan',
      'tramadol', 'methadone', 'tapentadol', 'meperidine', 'fentanyl', 'oxycodone', 'hydrocodone', 'morphine', 'codeine', 'buprenorphine',
      'alprazolam', 'lorazepam', 'diazepam', 'clonazepam', 'zolpidem', 'gabapentin', 'pregabalin', 'ibuprofen', 'naproxen', 'diclofenac',
      'celecoxib', 'meloxicam', 'ketorolac', 'indomethacin', 'warfarin', 'apixaban', 'rivaroxaban', 'dabigatran etexilate', 'edoxaban',
      'clopidogrel', 'prasugrel', 'ticagrelor', 'aspirin', 'simvastatin', 'lovastatin', 'atorvastatin', 'rosuvastatin', 'pravastatin',
      'clarithromycin', 'erythromycin', 'azithromycin', 'ketoconazole', 'itraconazole', 'fluconazole', 'voriconazole', 'posaconazole',
      'ciprofloxacin', 'levofloxacin', 'moxifloxacin', 'amiodarone', 'dronedarone', 'digoxin', 'verapamil', 'diltiazem', 'cyclosporine',
      'tacrolimus', 'methotrexate', 'trimethoprim', 'sulfamethoxazole', 'lisinopril', 'enalapril', 'ramipril', 'losartan', 'valsartan',
      'spironolactone', 'eplerenone', 'amiloride', 'triamterene', 'potassium chloride', 'furosemide', 'bumetanide', 'torsemide',
      'hydrochlorothiazide', 'chlorthalidone', 'lithium', 'nitroglycerin', 'isosorbide mononitrate', 'sildenafil', 'tadalafil',
      'haloperidol', 'ondansetron', 'quetiapine', 'ziprasidone', 'hydroxychloroquine', 'rifampin', 'carbamazepine', 'phenytoin',
      'st john\'s wort', 'colchicine', 'allopurinol', 'azathioprine', 'theophylline', 'prednisone', 'omeprazole', 'metronidazole',
    ];
    expect(members.filter((name) => !catalogue.has(name))).toEqual([]);
  });

  test('every product of the shared data resolves by code to catalogue ingredients', () => {
    const products = Object.values(catalogue.file.products).filter((entry) => entry.sources.some((source) => source.startsWith('data:')));
    expect(products.length).toBeGreaterThan(200);
    for (const entry of products) expect(entry.ingredients.every((ingredient) => catalogue.has(ingredient))).toBe(true);
  });
});

describe('brand names (brand-ingredients.json): a product named by its brand only is resolved like its ingredients', () => {
  const catalogue = defaultDrugCatalogue();
  const tables = loadNameTables();

  test('every brand names ingredients the catalogue holds', () => {
    const missing = Object.entries(tables.brands).flatMap(([brand, ingredients]) => ingredients.filter((ingredient) => !catalogue.has(ingredient)).map((ingredient) => `${brand}: ${ingredient}`));
    expect(missing).toEqual([]);
  });

  test.each([
    ['Coumadin 5 MG Oral Tablet', 'warfarin', 'B01AA03'],
    ['Bactrim DS 800 MG / 160 MG Oral Tablet', 'sulfamethoxazole / trimethoprim', 'J01EE01'],
    ['Percocet 5 MG / 325 MG Oral Tablet', 'acetaminophen / oxycodone', 'N02AA05'],
    ['Zocor 40 MG Oral Tablet', 'simvastatin', 'C10AA01'],
  ])('%s → %s (%s among its classes)', (display, name, atc) => {
    const drug = catalogue.resolveDrug({ display, codings: [] });
    expect(drug).toMatchObject({ name, known: true });
    expect(drug.atc).toContain(atc);
  });
});
