/**
 * Where each drug may be suggested (fhir-mappings/suggestion-settings.json): chronic or acute outpatient
 * drugs at any visit, inpatient-only drugs in a stay or the emergency department, specialist-only drugs
 * (thrombolysis, chemotherapy, anaesthesia, parenteral anticoagulation …) and withdrawn drugs never. The
 * model knows what was ordered in its training populations, not who may order it where: a thrombolytic that
 * the stroke team gave must never become a one-click suggestion at a routine visit.
 */
import * as path from 'path';
import { readJsonFile } from '../json-file';
import { FHIR_MAPPINGS_DIR } from '../paths';
import { ingredientsOf } from './normalise';

export const DEFAULT_SUGGESTION_SETTINGS_FILE = path.join(FHIR_MAPPINGS_DIR, 'suggestion-settings.json');

/** From least to most restrictive. */
export const SUGGESTION_SETTINGS = ['chronic-outpatient', 'acute-outpatient', 'inpatient-only', 'specialist-only', 'never'] as const;
export type SuggestionSetting = (typeof SUGGESTION_SETTINGS)[number];

/** Where the decision is made, as far as suggestions go. */
export type EncounterSetting = 'outpatient' | 'emergency' | 'inpatient';

export interface SettingEntry {
  setting: SuggestionSetting;
  /** For specialist-only drugs: whose decision it is ("thrombolysis", "chemotherapy"). */
  specialty?: string;
  /** Why, in a few words a clinician reads on the card. */
  reason: string;
  sources: string[];
  review: string;
}

export interface SuggestionSettingsFile {
  description: string;
  settings: string[];
  sources: Record<string, string>;
  /** Candidate name or single ingredient → its setting. */
  drugs: Record<string, SettingEntry>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function validateSuggestionSettings(value: unknown, file = 'suggestion-settings.json'): SuggestionSettingsFile {
  if (!isRecord(value) || !isRecord(value.sources) || !isRecord(value.drugs)) throw new Error(`${file}: expected { description, sources, drugs }`);
  const sources = value.sources;
  for (const [name, entry] of Object.entries(value.drugs)) {
    if (!isRecord(entry) || !(SUGGESTION_SETTINGS as readonly unknown[]).includes(entry.setting)) {
      throw new Error(`${file}: ${name}: setting must be one of ${SUGGESTION_SETTINGS.join(', ')}`);
    }
    if (entry.setting === 'specialist-only' && typeof entry.specialty !== 'string') throw new Error(`${file}: ${name}: a specialist-only drug names its specialty`);
    if (typeof entry.reason !== 'string' || typeof entry.review !== 'string') throw new Error(`${file}: ${name} needs a reason and a review status`);
    if (!Array.isArray(entry.sources) || entry.sources.length === 0 || !entry.sources.every((id) => typeof id === 'string' && id in sources)) {
      throw new Error(`${file}: ${name} must cite sources listed in "sources"`);
    }
  }
  return value as unknown as SuggestionSettingsFile;
}

const RESTRICTION = new Map<SuggestionSetting, number>(SUGGESTION_SETTINGS.map((setting, i) => [setting, i]));

const ALLOWED: Record<EncounterSetting, ReadonlySet<SuggestionSetting>> = {
  outpatient: new Set(['chronic-outpatient', 'acute-outpatient']),
  emergency: new Set(['chronic-outpatient', 'acute-outpatient', 'inpatient-only']),
  inpatient: new Set(['chronic-outpatient', 'acute-outpatient', 'inpatient-only']),
};

// STU3 exports write the class as a plain word ("emergency", "inpatient") rather than the v3 ActCode.
const INPATIENT = new Set(['IMP', 'ACUTE', 'NONAC', 'OBSENC', 'SS', 'inpatient']);

/** The setting of an encounter by its v3 ActCode class: a stay, the emergency department, or any other visit. */
export function encounterSetting(classCode: string | undefined): EncounterSetting {
  if (classCode === 'EMER' || classCode === 'emergency') return 'emergency';
  return classCode !== undefined && INPATIENT.has(classCode) ? 'inpatient' : 'outpatient';
}

export interface SettingVerdict {
  allowed: boolean;
  /** The drug's entry (a combination's most restrictive ingredient when the combination is not listed). */
  entry?: SettingEntry;
  /** Why it is not suggested here, in a clinician's words; empty when allowed. */
  reason: string;
}

const PLACE: Record<EncounterSetting, string> = { outpatient: 'an outpatient visit', emergency: 'the emergency department', inpatient: 'an inpatient stay' };

export class SuggestionSettings {
  constructor(readonly file: SuggestionSettingsFile) {}

  /** The drug's own entry, else the most restrictive of its ingredients' entries (every ingredient must be listed). */
  entryOf(name: string): SettingEntry | undefined {
    const own = this.file.drugs[name];
    if (own) return own;
    const ingredients = ingredientsOf(name);
    if (ingredients.length < 2) return undefined;
    const entries = ingredients.map((ingredient) => this.file.drugs[ingredient]);
    if (entries.some((entry) => entry === undefined)) return undefined;
    return (entries as SettingEntry[]).reduce((most, entry) => ((RESTRICTION.get(entry.setting) ?? 0) > (RESTRICTION.get(most.setting) ?? 0) ? entry : most));
  }

  /** The 'never' entry of a drug or of one of its ingredients (withdrawn from the market), if any. */
  withdrawn(name: string, ingredients: readonly string[]): SettingEntry | undefined {
    return [name, ...ingredients].map((key) => this.file.drugs[key]).find((entry) => entry?.setting === 'never');
  }

  /** Whether the drug may be suggested in this setting, and why not. */
  verdict(name: string, where: EncounterSetting): SettingVerdict {
    const entry = this.entryOf(name);
    if (!entry) return { allowed: false, reason: 'no reviewed suggestion setting for this drug' };
    if (ALLOWED[where].has(entry.setting)) return { allowed: true, entry, reason: '' };
    switch (entry.setting) {
      case 'never':
        return { allowed: false, entry, reason: `never suggested: ${entry.reason}` };
      case 'specialist-only':
        return { allowed: false, entry, reason: `specialist use only (${entry.specialty ?? 'specialist'}): ${entry.reason}` };
      default:
        return { allowed: false, entry, reason: `not suggested at ${PLACE[where]}: ${entry.reason}` };
    }
  }
}

export function loadSuggestionSettings(file = DEFAULT_SUGGESTION_SETTINGS_FILE): SuggestionSettings {
  return new SuggestionSettings(validateSuggestionSettings(readJsonFile(file, 'suggestion-settings table'), file));
}
