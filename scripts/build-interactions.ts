/**
 * Builds fhir-mappings/interactions.json from
 *  - ../shared/reference/onc-high-priority-ddi/ONC_High_Priority_Mapped.csv (`$`-separated drug1, id1, drug2, id2:
 *    the ONC high-priority list of Phansalkar et al., JAMIA 2012, expanded to drug pairs), and
 *  - ../shared/reference/pddi-cds/*.xml (HL7 PDDI-CDS FHIR ValueSet bundles, CC0) with the warfarin–NSAIDs and
 *    digoxin–cyclosporine rule logic of the PDDI-CDS implementation guide, written out here as data.
 *
 *   npm run build && node dist/scripts/build-interactions.js
 *
 * Ingredient names follow the candidate naming (lower case, salts removed, US names: the WHO/DrugBank INN of
 * the ONC list are mapped back through atc-review.json's synonyms, e.g. pethidine → meperidine).
 */
import { readdirSync, readFileSync } from 'fs';
import * as path from 'path';
import { canonicalIngredient } from '../src/medications/normalise';
import { FHIR_MAPPINGS_DIR, SHARED_DIR } from '../src/paths';
import type { ConditionSet, DrugGroup, InteractionRule, InteractionTable } from '../src/safety/interaction-table';
import { loadAtcReview, writeJson } from './build-atc-table';

const REFERENCE_DIR = path.join(SHARED_DIR, 'reference');
const ONC_FILE = path.join(REFERENCE_DIR, 'onc-high-priority-ddi', 'ONC_High_Priority_Mapped.csv');
const PDDI_DIR = path.join(REFERENCE_DIR, 'pddi-cds');

/** Value-set titles whose drug name is not the RxNorm ingredient name. */
const PDDI_NAME_FIXES: Record<string, string> = { mefenamate: 'mefenamic acid', ethacrynate: 'ethacrynic acid' };

// ---------------------------------------------------------------------------------------------------------
// PDDI-CDS ValueSet bundles (XML). The files are machine-written FHIR XML with one <ValueSet> per entry;
// a small reader for exactly that shape keeps the project free of an XML dependency.

interface ParsedValueSet {
  id: string;
  title: string;
  concepts: { system: string; code: string; display: string }[];
  /** ids of the value sets it includes ("ValueSet of ValueSets"). */
  includes: string[];
}

function attribute(xml: string, element: string): string | undefined {
  return new RegExp(`<${element}\\s+value="([^"]*)"\\s*/>`).exec(xml)?.[1];
}

export function parseValueSets(xml: string): ParsedValueSet[] {
  const sets: ParsedValueSet[] = [];
  for (const [block] of xml.matchAll(/<ValueSet[\s>][\s\S]*?<\/ValueSet>/g)) {
    const id = attribute(block, 'id');
    if (!id) throw new Error('PDDI-CDS ValueSet without id');
    const concepts: ParsedValueSet['concepts'] = [];
    const includes: string[] = [];
    for (const [include] of block.matchAll(/<include>[\s\S]*?<\/include>/g)) {
      const system = (attribute(include, 'system') ?? '').trim();
      for (const [, url] of include.matchAll(/<valueSet\s+value="([^"]*)"\s*\/>/g)) includes.push(url.split('/').pop() ?? url);
      for (const [concept] of include.matchAll(/<concept>[\s\S]*?<\/concept>/g)) {
        const code = attribute(concept, 'code');
        if (code) concepts.push({ system, code, display: attribute(concept, 'display') ?? '' });
      }
    }
    sets.push({ id, title: attribute(block, 'title') ?? id, concepts, includes });
  }
  return sets;
}

function loadValueSets(): Map<string, ParsedValueSet> {
  const sets = new Map<string, ParsedValueSet>();
  for (const file of readdirSync(PDDI_DIR).filter((name) => name.endsWith('.xml')).sort()) {
    for (const set of parseValueSets(readFileSync(path.join(PDDI_DIR, file), 'utf8'))) {
      const known = sets.get(set.id);
      // The two bundles share some sets (aldosterone antagonists): they must agree.
      if (known && JSON.stringify(known.concepts) !== JSON.stringify(set.concepts)) throw new Error(`value set ${set.id} differs between files`);
      sets.set(set.id, set);
    }
  }
  return sets;
}

const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';

/** An RxNorm drug value set as a group: its ingredient names (from the member titles) and all product codes. */
function drugGroup(sets: Map<string, ParsedValueSet>, id: string, label: string): DrugGroup {
  const set = sets.get(id);
  if (!set) throw new Error(`PDDI-CDS value set ${id} is missing`);
  const members = set.includes.length > 0 ? set.includes.map((member) => sets.get(member) ?? missing(member)) : [set];
  const ingredients = new Set<string>();
  const rxnorm = new Set<string>();
  for (const member of members) {
    const drug = member.title.replace(/\s+Medications Value Set$/i, '').trim().toLowerCase();
    ingredients.add(PDDI_NAME_FIXES[drug] ?? canonicalIngredient(drug));
    for (const concept of member.concepts) {
      if (concept.system !== RXNORM) throw new Error(`${member.id}: unexpected code system ${concept.system}`);
      rxnorm.add(concept.code);
    }
  }
  return { label, ingredients: [...ingredients].sort(), rxnorm: [...rxnorm].sort(), source: `PDDI-CDS ${id}` };
}

function missing(id: string): never {
  throw new Error(`PDDI-CDS value set ${id} is included but not present`);
}

function conditionSet(sets: Map<string, ParsedValueSet>, id: string, label: string): ConditionSet {
  const set = sets.get(id) ?? missing(id);
  const snomed: Record<string, string> = {};
  for (const concept of set.concepts) {
    if (concept.system !== 'http://snomed.info/sct') throw new Error(`${id}: expected SNOMED CT, got ${concept.system}`);
    snomed[concept.code] = concept.display;
  }
  return { label, snomed };
}

function pddiRules(): InteractionRule[] {
  return [
    {
      id: 'pddi-warfarin-nsaids',
      source: 'PDDI-CDS',
      a: { group: 'warfarin' },
      b: { group: 'nsaids' },
      severity: 'warning',
      consequence:
        'Increased risk of bleeding, mostly upper gastrointestinal bleeding, also intracranial haemorrhage: NSAIDs add an antiplatelet effect and peptic ulceration to anticoagulation.',
      action: 'If the NSAID is for pain or fever, prefer acetaminophen (monitor the INR above 2 g/day for several days) or, for severe pain, a short opioid course.',
      exceptions: [
        {
          side: 'b',
          group: 'topical-diclofenac',
          severity: 'info',
          text: 'topical diclofenac has low systemic absorption: no special precautions',
        },
      ],
      riskFactors: [
        { kind: 'condition', conditionSet: 'upper-gi-bleed', text: 'history of upper gastrointestinal bleeding or peptic ulcer' },
        { kind: 'age-over', years: 65, text: 'age over 65 years' },
        { kind: 'concurrent-drug', group: 'systemic-corticosteroids', text: 'concurrent systemic corticosteroid' },
        { kind: 'concurrent-drug', group: 'aldosterone-antagonists', text: 'concurrent aldosterone antagonist' },
        { kind: 'concurrent-drug', group: 'nsaids', text: 'another NSAID at the same time' },
      ],
      mitigatingFactors: [
        { kind: 'concurrent-drug', group: 'ppis-misoprostol', text: 'a proton-pump inhibitor or misoprostol lowers the risk of upper GI bleeding' },
      ],
      raisedSeverity: 'critical',
    },
    {
      id: 'pddi-digoxin-cyclosporine',
      source: 'PDDI-CDS',
      a: { group: 'digoxin' },
      b: { group: 'cyclosporine' },
      severity: 'warning',
      consequence:
        'Increased risk of digoxin toxicity (anorexia, nausea, visual changes, arrhythmias): cyclosporine inhibits P-glycoprotein, the main efflux transporter of digoxin.',
      action:
        'Monitor the digoxin concentration closely and adjust the digoxin dose; check potassium, magnesium, calcium and renal function.',
      riskFactors: [
        {
          kind: 'new-start',
          group: 'cyclosporine',
          text: 'cyclosporine is being started and no recent normal digoxin level is known (the record carries no laboratory results)',
        },
      ],
      raisedSeverity: 'critical',
    },
  ];
}

// ---------------------------------------------------------------------------------------------------------
// ONC high-priority pairs. The CSV holds names only; the clinical consequence comes from the mechanism
// classes of the ONC list, assigned below by the drugs a pair contains (first matching class wins).

const MAOIS = ['tranylcypromine', 'phenelzine', 'isocarboxazid', 'procarbazine', 'selegiline'];
const STATINS = ['simvastatin', 'lovastatin'];
const ERGOTS = ['ergotamine', 'dihydroergotamine', 'ergonovine', 'methylergonovine'];
const RIFAMYCINS_AND_INDUCERS = ['rifampin', 'rifabutin', 'rifapentine', 'carbamazepine'];
const PROTEASE_INHIBITORS = [
  'amprenavir', 'atazanavir', 'darunavir', 'fosamprenavir', 'indinavir', 'lopinavir', 'nelfinavir', 'ritonavir', 'saquinavir', 'tipranavir',
];
const PPIS = ['omeprazole', 'esomeprazole', 'lansoprazole', 'pantoprazole', 'rabeprazole', 'dexlansoprazole'];

interface Mechanism {
  applies: (a: string, b: string) => boolean;
  consequence: string;
}

const either = (list: string[]) => (a: string, b: string) => list.includes(a) || list.includes(b);
const oneEach = (x: string[], y: string[]) => (a: string, b: string) => (x.includes(a) && y.includes(b)) || (x.includes(b) && y.includes(a));

const MECHANISMS: Mechanism[] = [
  {
    applies: either(MAOIS),
    consequence: 'MAO inhibitor with a serotonergic or sympathomimetic drug: risk of serotonin syndrome or hypertensive crisis.',
  },
  {
    applies: either(STATINS),
    consequence: 'Raised simvastatin/lovastatin levels (CYP3A4 inhibition): risk of myopathy and rhabdomyolysis.',
  },
  {
    applies: either(ERGOTS),
    consequence: 'Raised ergot alkaloid levels (CYP3A4 inhibition): risk of ergotism with acute vasospasm and ischaemia.',
  },
  {
    applies: either(['irinotecan']),
    consequence: 'Altered irinotecan / SN-38 exposure: severe toxicity with CYP3A4 or UGT1A1 inhibitors, loss of effect with inducers.',
  },
  {
    applies: either(['tizanidine']),
    consequence: 'Raised tizanidine levels (CYP1A2 inhibition): severe hypotension and excessive sedation.',
  },
  {
    applies: either(['ramelteon']),
    consequence: 'Markedly raised ramelteon levels (CYP1A2 inhibition): excessive sedation.',
  },
  {
    applies: oneEach(['atazanavir'], PPIS),
    consequence: 'Proton-pump inhibitors reduce atazanavir absorption: loss of antiviral effect and resistance.',
  },
  {
    applies: oneEach(RIFAMYCINS_AND_INDUCERS, PROTEASE_INHIBITORS),
    consequence: 'Strong CYP3A4 induction lowers protease-inhibitor levels: loss of antiviral effect and resistance.',
  },
  {
    applies: oneEach(['bosentan'], PROTEASE_INHIBITORS),
    consequence: 'Protease inhibitors raise bosentan levels (and bosentan lowers theirs): hepatotoxicity, hypotension, loss of antiviral effect.',
  },
];

const QT_CONSEQUENCE = 'Additive QT-interval prolongation: risk of torsades de pointes and sudden cardiac death.';

interface OncPair {
  a: string;
  b: string;
}

export function parseOncCsv(text: string, toIngredient: (name: string) => string): OncPair[] {
  const pairs = new Map<string, OncPair>();
  for (const raw of text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/)) {
    const line = raw.trim();
    if (!line) continue;
    const [drug1, , drug2] = line.split('$');
    if (!drug1 || !drug2) throw new Error(`ONC list: cannot read line "${line}"`);
    const [a, b] = [toIngredient(drug1), toIngredient(drug2)].sort();
    if (a === b) continue;
    pairs.set(`${a}|${b}`, { a, b });
  }
  return [...pairs.values()].sort((x, y) => x.a.localeCompare(y.a) || x.b.localeCompare(y.b));
}

function oncRules(pairs: OncPair[]): InteractionRule[] {
  // A pair outside the named mechanisms is, in this list, a pair of QT-prolonging drugs; both drugs of such
  // a pair are therefore taken as QT-prolonging, and a pair of two of them gets the QT consequence.
  const classified = pairs.map((pair) => MECHANISMS.find((mechanism) => mechanism.applies(pair.a, pair.b)));
  const qtDrugs = new Set(pairs.flatMap((pair, i) => (classified[i] ? [] : [pair.a, pair.b])));
  return pairs.map((pair, i) => {
    const consequence = classified[i]?.consequence ?? (qtDrugs.has(pair.a) && qtDrugs.has(pair.b) ? QT_CONSEQUENCE : undefined);
    if (!consequence) throw new Error(`ONC pair ${pair.a} + ${pair.b}: no consequence`);
    return {
      id: `onc-${String(i + 1).padStart(4, '0')}`,
      source: 'ONC',
      a: { ingredients: [pair.a] },
      b: { ingredients: [pair.b] },
      severity: 'warning',
      consequence,
    };
  });
}

function main(): void {
  const review = loadAtcReview();
  // WHO/DrugBank INN → the US name our candidates use (the inverse of the review's US → INN synonyms).
  const usName = new Map<string, string>();
  for (const [us, inn] of Object.entries(review.innSynonyms)) if (us !== inn && !usName.has(inn)) usName.set(inn, us);
  const toIngredient = (name: string) => {
    const canonical = canonicalIngredient(name);
    return usName.get(canonical) ?? canonical;
  };

  const sets = loadValueSets();
  const groups: Record<string, DrugGroup> = {
    warfarin: drugGroup(sets, 'valueset-warfarin', 'warfarin'),
    nsaids: drugGroup(sets, 'valueset-NSAIDS', 'NSAIDs'),
    'topical-diclofenac': drugGroup(sets, 'valueset-topicaldiclofenac', 'topical diclofenac'),
    'ppis-misoprostol': drugGroup(sets, 'valueset-PPIS', 'proton-pump inhibitors or misoprostol'),
    'systemic-corticosteroids': drugGroup(sets, 'valueset-SCS', 'systemic corticosteroids'),
    'aldosterone-antagonists': drugGroup(sets, 'valueset-AAS', 'aldosterone antagonists'),
    digoxin: drugGroup(sets, 'valueset-digoxin', 'digoxin'),
    cyclosporine: drugGroup(sets, 'valueset-cyclosporine', 'cyclosporine'),
    'loop-diuretics': drugGroup(sets, 'valueset-LOOPDIURETIC', 'loop diuretics'),
  };
  // The rule logic names misoprostol beside the PPIs, but the value set has no misoprostol codes.
  groups['ppis-misoprostol'].ingredients = [...groups['ppis-misoprostol'].ingredients, 'misoprostol'].sort();
  groups['topical-diclofenac'].ingredients = []; // by product code only: "diclofenac" alone is not topical

  const pairs = parseOncCsv(readFileSync(ONC_FILE, 'utf8'), toIngredient);
  const table: InteractionTable = {
    description:
      'Drug–drug interactions keyed by ingredient name (candidate naming) and, for the PDDI-CDS value sets, by RxNorm product code. ' +
      'Built by scripts/build-interactions.ts; severities: ONC pairs "warning", PDDI-CDS rules per their logic.',
    sources: {
      ONC:
        'ONC high-priority drug-drug interactions: Phansalkar S, Desai AA, Bell D, et al. High-priority drug-drug interactions for use in ' +
        'electronic health records. J Am Med Inform Assoc 2012;19(5):735-743. Pairs from ONC_High_Priority_Mapped.csv; consequences ' +
        'summarised by mechanism class for this project.',
      'PDDI-CDS':
        'HL7 FHIR Potential Drug-Drug Interaction CDS implementation guide (PDDI-CDS): value sets (CC0) and the warfarin + NSAIDs and ' +
        'digoxin + cyclosporine rule logic (rules originally from the AHRQ "Individualized Drug Interactions" project, R21-HS023826-01).',
    },
    groups,
    conditionSets: { 'upper-gi-bleed': conditionSet(sets, 'valueset-Hx-UGIB-snomed', 'history of upper gastrointestinal bleeding') },
    interactions: [...pddiRules(), ...oncRules(pairs)],
  };
  writeJson(path.join(FHIR_MAPPINGS_DIR, 'interactions.json'), table);
  process.stdout.write(`interactions.json: ${table.interactions.length} rules (${pairs.length} ONC pairs), ${Object.keys(groups).length} groups\n`);
}

if (require.main === module) main();
