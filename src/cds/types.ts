/**
 * CDS Hooks 2.0 (HL7 STU2, release 2.0.1) wire types: what a CDS Client sends and what this service answers.
 * Field names follow the specification exactly; optional fields are omitted rather than null (spec §Overview).
 */
import type { FhirResource, MedicationRequest } from 'fhir/r4';
import type { MedicationOrder } from '../fhir/types';
import type { Assessment } from './assessment';
import type { CardSourceInfo } from './cards/card';
import type { NotAssessedOrders } from './cards/not-assessed';
import type { SafetyChecks } from './cards/safety';
import type { Finding } from './findings';

export type HookName = 'order-select' | 'order-sign' | 'encounter-discharge' | 'patient-view';

/** What a hook's service needs to build its model cards. */
export interface CardKit {
  source: CardSourceInfo;
  /** Most suggestions in one card. */
  maxSuggestions: number;
  /** The safety checks, for suggestions the cards judge themselves (renewals). */
  safety: SafetyChecks;
  /** What the service's own safety checks found in this call (their cards are issued apart). */
  safetyFindings: readonly Finding[];
}

/**
 * One entry of the discovery response, plus the hook's whole behaviour (one file per service in hooks/):
 * its context schema, which orders it judges, which safety findings and which model cards it gives.
 */
export interface ServiceDefinition {
  id: string;
  hook: HookName;
  title: string;
  description: string;
  /** Prefetch templates, in the specification's token syntax only ({{context.patientId}}, …). */
  prefetch: Record<string, string>;
  /** JSON Schema of the hook's `context` (ajv, draft-07; may $ref definitions.schema.json). */
  contextSchema: Record<string, unknown>;
  /** The orders this hook judges: from the call's drug drafts, the active medications and the selections. */
  judge(orders: { drafts: MedicationOrder[]; active: MedicationOrder[]; selections: readonly string[] }): MedicationOrder[];
  /** Whether the model has anything to judge (an order hook whose drafts name no drug has not). */
  wantsModel(assessment: Assessment, context: HookContext): boolean;
  safety(assessment: Assessment, checks: SafetyChecks): Finding[];
  /** The model's findings about judged orders, its other cards, and the orders to name as not scored by the model
   * (on their drug card when they have one, else in one info card: src/cds/progress.ts). */
  modelCards(assessment: Assessment, kit: CardKit): { findings: Finding[]; cards: IssuedCard[]; notAssessed?: NotAssessedOrders };
}

/** The discovery form of a service. */
export type DiscoveryService = Pick<ServiceDefinition, 'id' | 'hook' | 'title' | 'description' | 'prefetch'>;

export interface FhirAuthorization {
  access_token: string;
  token_type: string;
  expires_in: number;
  scope: string;
  subject: string;
  patient?: string;
}

/** A request body after schema validation: `context` holds at least the hook's required fields. */
export interface CdsRequest {
  hook: string;
  hookInstance: string;
  fhirServer?: string;
  fhirAuthorization?: FhirAuthorization;
  context: Record<string, unknown>;
  /** Whatever the client prefetched, under keys the client chose (Epic configures its own). */
  prefetch?: Record<string, unknown>;
}

/** The request context reduced to what the pipeline reads; ids without a `Patient/` style prefix. */
export interface HookContext {
  userId?: string;
  patientId: string;
  encounterId?: string;
  /** Draft orders (order-select, order-sign), as resources. */
  draftOrders: FhirResource[];
  /** order-select: ids (without type prefix) of the orders just selected. */
  selections: string[];
}

export interface Coding {
  code: string;
  system?: string;
  display?: string;
}

export type Indicator = 'info' | 'warning' | 'critical';

export interface CardSource {
  label: string;
  url?: string;
  icon?: string;
  topic?: Coding;
}

export type Action =
  | { type: 'create'; description: string; resource: MedicationRequest }
  | { type: 'update'; description: string; resource: FhirResource }
  | { type: 'delete'; description: string; resourceId: string };

export interface Suggestion {
  label: string;
  uuid: string;
  isRecommended?: boolean;
  actions?: Action[];
}

export interface Link {
  label: string;
  url: string;
  type: 'absolute' | 'smart';
  appContext?: string;
}

export interface Card {
  uuid: string;
  summary: string;
  detail?: string;
  indicator: Indicator;
  source: CardSource;
  suggestions?: Suggestion[];
  selectionBehavior?: 'at-most-one' | 'any';
  overrideReasons?: Coding[];
  links?: Link[];
  /** CDS Hooks extensions (spec §Extensions): machine-readable details for analytics, never needed to act on the card. */
  extension?: Record<string, unknown>;
}

export interface CdsResponse {
  cards: Card[];
}

/** A feedback entry as stored: Epic's `overrideReasons` spelling already folded into `overrideReason`. */
export interface FeedbackEntry {
  card: string;
  outcome: 'accepted' | 'overridden';
  acceptedSuggestions?: { id: string }[];
  overrideReason?: { reason?: Coding; userComment?: string };
  /** REQUIRED by the spec; kept optional because a missing one is no reason to lose the feedback. */
  outcomeTimestamp?: string;
}

/** The kinds of card this service emits; each has a stable topic code (card.source.topic). */
export type CardKind =
  | 'unsupported-order'
  | 'drug-interaction'
  | 'duplicate-therapy'
  | 'allergy-conflict'
  | 'order-count'
  | 'suggestions'
  | 'discharge-list'
  | 'review-unsupported'
  | 'not-assessed'
  | 'contraindication'
  | 'confirm-indication'
  | 'unassessed-draft'
  | 'more-warnings'
  | 'data-gap'
  /** A draft with the ingredients of an active order: a renewal (info), not a duplicate (K2). */
  | 'renewal-of-active'
  /** Drugs the record shows renewed at each recent visit and missing from today's orders (issue 17.6). */
  | 'renewal-suggestions'
  /** One product drafted several times in one call: one regimen, judged once (src/cds/cards/repeated-orders.ts). */
  | 'repeated-order'
  /** A drug the drug catalogue does not know: no class, so class-based checks could not run (src/cds/cards/unknown-drug.ts). */
  | 'drug-not-in-catalogue'
  /** A drug the AGS Beers Criteria list as potentially inappropriate for an older adult (src/cds/cards/older-adults.ts). */
  | 'older-adult'
  /** A drug withdrawn from the market (src/cds/cards/withdrawn.ts). */
  | 'withdrawn-drug';

/** A card and what produced it, for the audit trail. */
export interface IssuedCard {
  kind: CardKind;
  card: Card;
}
