import { canonicalIngredient, candidateName, normaliseProductName, type NameTables } from '../../src/medications/normalise';
import { loadNameTables } from '../../src/medications/vocabulary';

const tables = loadNameTables();

function candidateOf(display: string, tableSet: NameTables = tables): string {
  const result = normaliseProductName(display, { tables: tableSet });
  if (!result.covered) throw new Error(`"${display}" not covered: ${result.reason}`);
  return result.candidate;
}

describe('normaliseProductName', () => {
  test.each([
    ['Acetaminophen 325 MG / Oxycodone Hydrochloride 5 MG Oral Tablet', 'acetaminophen / oxycodone'],
    ['Oxycodone Hydrochloride 5 MG / Acetaminophen 325 MG Oral Tablet', 'acetaminophen / oxycodone'],
    ['Acetaminophen 300 MG / HYDROcodone Bitartrate 5 MG [Vicodin]', 'acetaminophen / hydrocodone'],
    ['Acetaminophen/Hydrocodone', 'acetaminophen / hydrocodone'],
    ['120 ACTUAT Fluticasone propionate 0.044 MG/ACTUAT Metered Dose Inhaler', 'fluticasone'],
    ['60 ACTUAT Fluticasone propionate 0.25 MG/ACTUAT / salmeterol 0.05 MG/ACTUAT Dry Powder Inhaler', 'fluticasone / salmeterol'],
    ['NDA020503 200 ACTUAT Albuterol 0.09 MG/ACTUAT Metered Dose Inhaler', 'albuterol'],
    ['NDA020800 0.3 ML Epinephrine 1 MG/ML Auto-Injector', 'epinephrine'],
    ['1 ML Epinephrine 1 MG/ML Auto-Injector', 'epinephrine'],
    ['24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet', 'metformin'],
    ['Abuse-Deterrent 12 HR Oxycodone Hydrochloride 15 MG Extended Release Oral Tablet', 'oxycodone'],
    ['Carbamazepine[Tegretol]', 'carbamazepine'],
    ['Sertraline 100MG', 'sertraline'],
    ['Lasix 40mg', 'furosemide'],
    ['Simvistatin 10 MG', 'simvastatin'],
    ['3 ML Amiodarone hydrocholoride 50 MG/ML Prefilled Syringe', 'amiodarone'],
    ['Vitamin B 12 5 MG/ML Injectable Solution', 'vitamin b12'],
    ['Vitamin B12 5 MG/ML Injectable Solution', 'vitamin b12'],
    ['24hr nicotine transdermal patch', 'nicotine'],
    ['heparin sodium, porcine', 'heparin'],
    ['NITROFURANTOIN, MACROCRYSTALS 50 MG Oral Capsule', 'nitrofurantoin'],
    ['insulin human, isophane 70 UNT/ML / Regular Insulin, Human 30 UNT/ML Injectable Suspension [Humulin]', 'insulin isophane human / insulin regular human'],
    ['insulin isophane, human 70 UNT/ML / insulin, regular, human 30 UNT/ML Injectable Suspension [Humulin]', 'insulin isophane human / insulin regular human'],
    ['168 HR Ethinyl Estradiol 0.00146 MG/HR / norelgestromin 0.00625 MG/HR Transdermal System', 'ethinyl estradiol / norelgestromin'],
  ])('%s → %s', (display, expected) => {
    expect(candidateOf(display)).toBe(expected);
  });

  test.each([
    ['Camila 28 Day Pack', 'norethindrone'],
    ['Jolivette 28 Day Pack', 'norethindrone'],
    ['Errin 28 Day Pack', 'norethindrone'],
    ['Yaz 28 Day Pack', 'drospirenone / ethinyl estradiol'],
    ['Levora 0.15/30 28 Day Pack', 'ethinyl estradiol / levonorgestrel'],
    ['Seasonique 91 Day Pack', 'ethinyl estradiol / levonorgestrel'],
    ['Norinyl 1+50 28 Day Pack', 'mestranol / norethindrone'],
    ['NuvaRing 0.12/0.015 MG per 24HR 21 Day Vaginal Ring', 'ethinyl estradiol / etonogestrel'],
    ['Kyleena 19.5 MG Intrauterine System', 'levonorgestrel'],
    ['Mirena 52 MG Intrauterine System', 'levonorgestrel'],
    ['Nexplanon 68 MG Drug Implant', 'etonogestrel'],
  ])('brand pack %s → %s (from the reviewed brand table)', (display, expected) => {
    expect(candidateOf(display)).toBe(expected);
  });

  test('salts are removed, but a salt that is the drug itself stays', () => {
    expect(candidateOf('Naproxen sodium 220 MG Oral Tablet')).toBe('naproxen');
    expect(candidateOf('Penicillin V Potassium 250 MG Oral Tablet')).toBe('penicillin v');
    expect(candidateOf('Sodium Chloride 9 MG/ML Injectable Solution')).toBe('sodium chloride');
    expect(candidateOf('ferrous sulfate 325 MG Oral Tablet')).toBe('ferrous sulfate');
  });

  test('returns the sorted ingredients with the name', () => {
    expect(normaliseProductName('Acetaminophen 21.7 MG/ML / Dextromethorphan Hydrobromide 1 MG/ML / doxylamine succinate 0.417 MG/ML Oral Solution', { tables })).toEqual({
      covered: true,
      candidate: 'acetaminophen / dextromethorphan / doxylamine',
      ingredients: ['acetaminophen', 'dextromethorphan', 'doxylamine'],
    });
  });

  test('an unlisted brand is not covered when ingredients must be known, never passed off as an ingredient', () => {
    const result = normaliseProductName('Lo Loestrin Fe 28 Day Pack', { tables, isKnownIngredient: (name) => name === 'norethindrone' });
    expect(result.covered).toBe(false);
    if (!result.covered) expect(result.reason).toContain('lo loestrin fe');
  });

  test('free text that is no drug is not covered when ingredients must be known', () => {
    const result = normaliseProductName('Vitamin pill', { tables, isKnownIngredient: (name) => name === 'vitamin b12' });
    expect(result.covered).toBe(false);
  });

  test('nothing but strengths and dose forms, or empty text, is not covered with a reason', () => {
    for (const display of ['', '   ', '325 MG Oral Tablet', '28 Day Pack']) {
      const result = normaliseProductName(display, { tables });
      expect(result.covered).toBe(false);
      if (!result.covered) expect(result.reason.length).toBeGreaterThan(0);
    }
  });

  test('an unknown comma-qualified RxNorm name is not guessed from its first part', () => {
    const result = normaliseProductName('heparin sodium, bovine 1000 UNT/ML Injectable Solution', { tables });
    expect(result.covered).toBe(false);
  });

  test('a brand table is what resolves a brand: without it the pack stays a pack name', () => {
    const bare: NameTables = { spellings: {}, brands: {}, ingredientNames: {} };
    expect(candidateOf('Camila 28 Day Pack', bare)).toBe('camila');
    expect(normaliseProductName('Camila 28 Day Pack', { tables: bare, isKnownIngredient: () => false }).covered).toBe(false);
  });
});

describe('canonicalIngredient / candidateName', () => {
  test('strips trailing salt and hydrate words', () => {
    expect(canonicalIngredient('Doxycycline Monohydrate')).toBe('doxycycline');
    expect(canonicalIngredient('hydrocortisone sodium succinate')).toBe('hydrocortisone');
    expect(canonicalIngredient('Ketorolac Tromethamine')).toBe('ketorolac');
    expect(canonicalIngredient('Potassium Chloride')).toBe('potassium chloride');
    expect(canonicalIngredient('Levomethadyl Acetate')).toBe('levomethadyl');
  });

  test('candidate names are sorted, de-duplicated and joined with " / "', () => {
    expect(candidateName(['oxycodone', 'acetaminophen', 'oxycodone'])).toBe('acetaminophen / oxycodone');
  });
});
