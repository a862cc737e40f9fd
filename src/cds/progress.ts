/**
 * What a call has produced so far, kept as findings and cards so that the answer can be built at any moment:
 * when the pipeline finishes, or when the deadline cuts it short (safety findings first, the model's later).
 */
import type { Assessment } from './assessment';
import { withAppLink } from './cards/app-link';
import { withinWarningBudget } from './cards/budget';
import type { CardSourceInfo } from './cards/card';
import { dataGapCard } from './cards/data-gap';
import { drugCard } from './cards/drug-card';
import { notAssessedCard, notAssessedItems, type NotAssessedOrders } from './cards/not-assessed';
import { byUrgency, groupBySubject, INDICATION_KINDS, type Finding } from './findings';
import type { PartialEntry } from './partial-data';
import type { FieldRepairs } from './readable';
import type { IssuedCard } from './types';

export class PipelineProgress {
  assessment?: Assessment;
  /** Safety findings about the judged orders; set once the checks ran. */
  safety?: Finding[];
  /** The model's findings about the judged orders (unsupported, confirm the indication); set once the model ran. */
  modelFindings?: Finding[];
  /** The model's other cards (suggestions, discharge list, order count). */
  model: IssuedCard[] = [];
  /** Orders the model does not score: said on their drug card, and in one card for those without one. */
  notAssessed?: NotAssessedOrders;
  /** Cards about the request itself (drafts that could not be assessed). */
  request: IssuedCard[] = [];
  /** Why model cards are missing (shown in a data-gap card). */
  readonly gaps: string[] = [];
  /** The patient's data that may be incomplete (shown in the data-gap card too). */
  partial: PartialEntry[] = [];
  repairs: FieldRepairs = new Map();
  modelVersion?: string;
  patientId?: string;

  addGap(reason: string): void {
    if (!this.gaps.includes(reason)) this.gaps.push(reason);
  }

  get safetyRan(): boolean {
    return this.safety !== undefined;
  }

  /** Every card, most urgent first (stable within an indicator), warnings over `warningBudget` folded. */
  cards(source: CardSourceInfo, warningBudget: number): IssuedCard[] {
    // An indication finding given before the model ran is given again with the model's figures: the later one stands.
    const modelRan = this.modelFindings !== undefined;
    const safety = (this.safety ?? []).filter((finding) => !modelRan || !INDICATION_KINDS.has(finding.kind));
    const groups = this.assessment === undefined ? [] : groupBySubject([...safety, ...(this.modelFindings ?? [])]);
    const drugCards = groups.map((findings) => drugCard(this.assessment as Assessment, findings, source));
    // A drug with a card of its own is said there to be outside the model (drug-card.ts); the rest, in one card.
    const withCard = new Set(groups.map((findings) => findings[0].subject.orderId));
    const notAssessed =
      this.assessment && this.notAssessed ? notAssessedCard(source, notAssessedItems(this.notAssessed.orders, this.assessment), this.notAssessed.what, withCard) : [];
    const all = [...drugCards, ...this.request, ...this.model, ...notAssessed];
    if (this.gaps.length > 0 || this.partial.length > 0) {
      const skippedFields = [...this.repairs.entries()].map(([field, count]) => `${field} ×${count}`);
      all.push(dataGapCard(source, { reasons: this.gaps, safetyRan: this.safetyRan, skippedFields, partial: this.partial }));
    }
    const sorted = all.map((issued, i) => ({ issued, i })).sort((a, b) => byUrgency(a.issued.card, b.issued.card) || a.i - b.i);
    // Every card about a drug links to the SMART app (cards/app-link.ts), with this call's drafts in appContext.
    return withinWarningBudget(
      sorted.map((x) => x.issued),
      warningBudget,
      source,
    ).map((issued) => withAppLink(issued, source, this.assessment));
  }
}
