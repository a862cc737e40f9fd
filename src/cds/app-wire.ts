/**
 * The SMART app's wire types, shared by the service (src/cds/app-assessment.ts, cards/app-link.ts) and the
 * browser code (app/src): types and shared wording only, importing nothing that a browser bundle cannot take.
 */
import type { Card, Indicator } from './types';

/** The prompt's medication list as what it is (cards and app alike): active orders and any written in the last year, stopped ones too. */
export const PROMPT_MEDICATIONS_LABEL = 'Medications in the last year, as the model read them (active or ordered in the past 365 days)';

/** Said wherever the model's reading is shown, when no encounter was named by the request nor found in progress. */
export const WITHOUT_ENCOUNTER =
  "Judged without today's encounter: the request named none and no encounter in progress was found, so the model read the active problem list as this visit's diagnoses.";

/** A card link's `appContext`: the hook call's draft orders and the card's own finding. */
export interface AppLaunchContext {
  v: 1;
  encounterId?: string;
  drafts: { id: string; system?: string; code?: string; display: string }[];
  card: { topic?: string; indicator: string; summary: string };
}

export interface SafetyNote {
  /** 'setting': where the drug may be suggested (a specialist-only or withdrawn drug, a hospital's switch-off). */
  kind: 'interaction' | 'duplicate' | 'allergy' | 'contraindication' | 'older-adult' | 'setting';
  severity: Indicator;
  text: string;
}

export interface CandidateView {
  candidate: string;
  probability: number;
  /** This candidate's recommendation threshold. */
  threshold: number;
  recommended: boolean;
  /** 'draft' (in this call's drafts), 'active' (the patient takes it), else absent. */
  status?: 'draft' | 'active';
  /** Active conditions that support the drug: reasons of earlier orders, the reviewed indication table. */
  indications: string[];
  /** What ordering it now would meet: allergies, interactions and duplicates with the drafts and active drugs. */
  safety: SafetyNote[];
  /** Why a recommended candidate is not suggested (setting, allergy, contraindication, interaction or duplicate of warning level). */
  withheld?: string;
}

/** What the model's prompt was built from (src/lamo/prompt.ts PromptEvidence). */
export interface EvidenceView {
  diagnoses: string[];
  pastHistory: string[];
  procedures: string[];
  medicationsOnAdmission: string[];
  noteSections: string[];
  previousDrugs: string[];
}

export interface AppAssessment {
  patientId: string;
  hook: 'order-sign' | 'patient-view';
  generatedAt: string;
  /** The encounter decided on and how it was found ('none': judged without today's encounter), as the cards. */
  encounter: { id?: string; basis: 'context' | 'draft orders' | 'in progress' | 'none' };
  problems: { display: string; onset?: string }[];
  /** Current medications: orders active (or on hold) now, each with the current conditions that support it ([] = none found). */
  medications: { display: string; candidate?: string; indications: string[] }[];
  allergies: { display: string; criticality?: string; category?: string[] }[];
  drafts: { id: string; display: string; candidate?: string }[];
  model?: { version: string; evidence: EvidenceView; candidates: CandidateView[] };
  /** The cards the hook answers for the same data, most urgent first. */
  cards: Card[];
  /** Why the model's part is missing, and what of the record may be incomplete (the data-gap card's summary). */
  gaps: string[];
}
