/**
 * What the knowledge says about the indication of any drug, by ingredient and by class:
 *  - the indication table of the LAMO candidates (fhir-mappings/indications.json: reviewed entries and the
 *    reason links mined from the training patients), for the drug's candidate and for each of its
 *    ingredients that is a candidate of its own (lisinopril in hydrochlorothiazide / lisinopril);
 *  - the class table (indications-by-class.json), for each of the drug's ATC codes, by its longest listed prefix;
 *  - the no-condition-needed and low-harm lists (ATC), which change what a missing indication means.
 * A drug of which none of these knows anything is "not known": nothing may be claimed about its indication.
 */
import type { Concept } from '../fhir/types';
import { codesOf, conceptMatchesCodes, loadConditionGroups, type ConditionCodes, type ConditionGroupsFile } from './condition-groups';
import {
  atcListMatch,
  loadClassIndications,
  loadLowHarmDrugs,
  loadNoConditionNeeded,
  longestClassMatch,
  type AtcListFile,
  type ClassIndicationsFile,
} from './indication-classes';
import { loadIndications, type IndicationKnowledge } from './indications';

/** A drug as the indication knowledge reads it (the drug catalogue's resolved drug has this shape). */
export interface IndicationDrug {
  /** Candidate-style name: lower-case ingredients, salts removed, sorted, joined " / ". */
  name: string;
  ingredients: readonly string[];
  /** ATC codes of the product and of each ingredient. */
  atc: readonly string[];
  /** The model vocabulary's candidate, when the model covers the drug. */
  candidate?: string;
}

export interface KnownIndication {
  /** Group id, or "snomed:CODE" / "icd10cm:CODE" of a coded condition. */
  key: string;
  /** The group's label, or the coded condition's display. */
  label: string;
  codes: ConditionCodes;
  /** 'reviewed' and 'class': from cited sources; 'synthea': a reason link mined from the training patients. */
  origin: 'reviewed' | 'synthea' | 'class';
  /** Where it is known from: the candidate name, or "ATC C09 (agents acting on the renin-angiotensin system)". */
  from: string;
}

/** A condition the drug does not treat though orders are written for it (reviewed rejections, class notFor). */
export interface NotTreatedCondition {
  key: string;
  label: string;
  codes: ConditionCodes;
  /** The severity of a new order whose only apparent reason it is. */
  indicator: 'info' | 'warning';
  reason: string;
}

export interface IndicationProfile {
  indications: KnownIndication[];
  /** Recorded conditions that are no indication of the drug (class notFor first, then the table's rejected links). */
  notTreated: NotTreatedCondition[];
  /** The drug is given without a condition to treat (contraception, vaccination, a procedure …). */
  noConditionNeeded?: { use: string; label: string; sources: string[] };
  /** Every ATC code of the drug is on the low-harm list. */
  lowHarm?: { label: string; sources: string[] };
}

export interface IndicationMatch<C> {
  condition: C;
  indication: KnownIndication;
}

export interface MatchOptions {
  /** Only indications from cited sources (reviewed, class): what a suggestion needs. Mined links quiet a warning only. */
  reviewedOnly?: boolean;
}

export class DrugIndications {
  constructor(
    readonly table: IndicationKnowledge,
    readonly groups: ConditionGroupsFile,
    readonly classes: ClassIndicationsFile,
    readonly noCondition: AtcListFile,
    readonly lowHarm: AtcListFile,
  ) {}

  profile(drug: IndicationDrug): IndicationProfile {
    const indications = new Map<string, KnownIndication>();
    const add = (indication: KnownIndication): void => {
      const id = `${indication.origin}|${indication.key}`;
      if (!indications.has(id)) indications.set(id, indication);
    };
    const notTreated: NotTreatedCondition[] = [];
    const rejected: NotTreatedCondition[] = [];
    let noConditionNeeded: IndicationProfile['noConditionNeeded'];
    const names = [drug.candidate, drug.name, ...drug.ingredients].filter((name): name is string => name !== undefined && this.table.knows(name));
    for (const name of new Set(names)) {
      for (const indication of this.table.indicationsOf(name)) {
        if ('group' in indication) {
          const group = this.groups.groups[indication.group];
          add({ key: indication.group, label: group.label, codes: group, origin: 'reviewed', from: name });
        } else {
          const { condition } = indication;
          add({ key: `${condition.system}:${condition.code}`, label: condition.display, codes: codesOf(condition), origin: indication.origin, from: name });
        }
      }
      for (const link of this.table.table.drugs[name]?.rejectedLinks ?? []) {
        const condition = { system: link.system, code: link.code, display: link.code };
        rejected.push({ key: `${link.system}:${link.code}`, label: link.code, codes: codesOf(condition), indicator: 'warning', reason: link.reason });
      }
      const none = this.table.noIndicationKnown(name);
      if (none && none.use !== 'unknown') noConditionNeeded ??= { use: none.use, label: name, sources: [] };
    }
    for (const code of drug.atc) {
      const match = longestClassMatch(this.classes, code);
      if (!match) continue;
      for (const id of match.entry.groups) {
        const group = this.groups.groups[id];
        add({ key: id, label: group.label, codes: group, origin: 'class', from: `ATC ${match.prefix} (${match.entry.label})` });
      }
      for (const not of match.entry.notFor ?? []) {
        const group = this.groups.groups[not.group];
        if (!notTreated.some((known) => known.key === not.group)) notTreated.push({ key: not.group, label: group.label, codes: group, indicator: not.indicator, reason: not.reason });
      }
    }
    const exempt = drug.atc.map((code) => atcListMatch(this.noCondition, code)).find((entry) => entry !== undefined);
    // The ATC list names the use with a cited source ("caries prevention"): it wins over a table entry's uncited
    // "procedure" / "contraception" (sodium fluoride became a candidate with such an entry in issue 17's vocabulary).
    if (exempt) noConditionNeeded = { use: exempt.use ?? exempt.label, label: exempt.label, sources: exempt.sources };
    const lowHarm = drug.atc.length > 0 ? drug.atc.map((code) => atcListMatch(this.lowHarm, code)) : [];
    const allLowHarm = lowHarm.length > 0 && lowHarm.every((entry) => entry !== undefined);
    // A class that does not treat a condition speaks for the whole product: acetaminophen / oxycodone is no migraine
    // treatment because its opioid is not, whatever acetaminophen alone treats (or a mined link says).
    const kept = [...indications.values()].filter((indication) => !notTreated.some((not) => not.key === indication.key || coded(indication, not.codes)));
    return {
      indications: kept,
      notTreated: [...notTreated, ...rejected],
      ...(noConditionNeeded ? { noConditionNeeded } : {}),
      ...(allLowHarm && lowHarm[0] ? { lowHarm: { label: lowHarm[0].label, sources: lowHarm[0].sources } } : {}),
    };
  }

  /** The first of the conditions that the profile says the drug does not treat, with what it matched. */
  notTreatedAmong<C>(profile: IndicationProfile, conditions: readonly C[], conceptOf: (condition: C) => Concept): { condition: C; notTreated: NotTreatedCondition } | undefined {
    for (const notTreated of profile.notTreated) {
      const condition = conditions.find((candidate) => conceptMatchesCodes(conceptOf(candidate), notTreated.codes));
      if (condition !== undefined) return { condition, notTreated };
    }
    return undefined;
  }

  /** The conditions (in their order, each once) that one of the profile's indications matches, by code. */
  supporting<C>(profile: IndicationProfile, conditions: readonly C[], conceptOf: (condition: C) => Concept, options: MatchOptions = {}): IndicationMatch<C>[] {
    const usable = profile.indications.filter((indication) => !options.reviewedOnly || indication.origin !== 'synthea');
    const found: IndicationMatch<C>[] = [];
    for (const condition of conditions) {
      const indication = usable.find((candidate) => conceptMatchesCodes(conceptOf(condition), candidate.codes));
      if (indication) found.push({ condition, indication });
    }
    return found;
  }
}

const SYSTEM_URL: Record<string, string> = { snomed: 'http://snomed.info/sct', icd10cm: 'http://hl7.org/fhir/sid/icd-10-cm' };

/** Whether an indication given as one coded condition (a mined link) is among `codes`. */
function coded(indication: KnownIndication, codes: ConditionCodes): boolean {
  const codings = Object.entries(indication.codes).flatMap(([system, map]) =>
    system in SYSTEM_URL && map && typeof map === 'object' && !Array.isArray(map) ? Object.keys(map).map((code) => ({ system: SYSTEM_URL[system], code })) : [],
  );
  return codings.length === 1 && indication.key.includes(':') && conceptMatchesCodes({ display: indication.label, codings }, codes);
}

/**
 * Whether the knowledge says anything about the drug's indication: an indication from a cited source, or that it
 * needs none. Reason links mined from the data alone do not count: they tell what prescribers in the training
 * data did, not every use of the drug, so they may quiet a "no indication" finding but never ground one.
 */
export function isKnown(profile: IndicationProfile): boolean {
  return profile.indications.some((indication) => indication.origin !== 'synthea') || profile.noConditionNeeded !== undefined;
}

/** Groups that a recorded food or environmental allergy stands for, whatever its code (newer Synthea codes the
 * allergen itself, "Tree pollen (substance)", not "Allergy to tree pollen"). */
export const ALLERGY_GROUPS: ReadonlySet<string> = new Set(['allergic-conditions', 'severe-allergy']);

/** The labels of the indications from cited sources, each once, for a card ("atrial fibrillation or flutter; …"). */
export function reviewedLabels(profile: IndicationProfile, max = 6): string[] {
  const labels = [...new Set(profile.indications.filter((indication) => indication.origin !== 'synthea').map((indication) => indication.label))];
  return labels.length > max ? [...labels.slice(0, max), 'and others'] : labels;
}

/** The shipped tables: the candidates' indication table, the class table and both ATC lists. */
export function loadDrugIndications(groups: ConditionGroupsFile = loadConditionGroups(), table: IndicationKnowledge = loadIndications(undefined, groups)): DrugIndications {
  return new DrugIndications(table, groups, loadClassIndications(groups), loadNoConditionNeeded(), loadLowHarmDrugs());
}
