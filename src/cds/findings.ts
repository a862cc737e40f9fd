/**
 * What a check found about one drug order, before it becomes a card. Every finding belongs to exactly one
 * judged order (its subject); all findings about one order end up on one card (src/cds/cards/drug-card.ts).
 *
 * A pair finding (interaction, duplicate) between two judged orders goes to the later one, naming the other:
 * in order-select only the selected drafts are judged, so it lands on the draft being selected; in order-sign
 * on the later draft; in a medication review on the more recently ordered drug.
 */
import type { MedicationOrder } from '../fhir/types';
import type { DrugRef } from '../safety/types';
import type { CardKind, Coding, Indicator } from './types';

export interface FindingSubject {
  /** The order's id (MedicationRequest id). */
  orderId: string;
  /** The drug, as the checks name it (candidate name, else the order's text). */
  name: string;
  /** The product as ordered ("Ibuprofen 200 MG Oral Tablet"). */
  label: string;
  source: 'draft' | 'active';
  /** The vocabulary candidate, when the drug is covered. */
  candidate?: string;
}

export interface Finding {
  kind: CardKind;
  indicator: Indicator;
  subject: FindingSubject;
  /** Other orders the same finding is about (one caution for three opioids): the card names them and offers to
   * remove each draft among them. */
  others?: FindingSubject[];
  /** A whole summary sentence for a card holding only this finding ("No indication for ibuprofen found in the record"). */
  summary: string;
  /** The same as a phrase after the drug's name, for a card gathering several ("interacts with warfarin"). */
  phrase: string;
  /** Markdown paragraphs: what was found and what to do, short; the model's figures are not here (see `usesModel`). */
  detail: string;
  overrideReasons: Coding[];
  /**
   * The finding weighs the model's view of the drug (no indication found: the model's P(yes) goes in the detail).
   * The card then shows the model's figure and what the model read once, after every finding, whichever findings
   * ask for it (src/cds/cards/drug-card.ts).
   */
  usesModel?: boolean;
}

/** Findings about an order's indication (no indication found, confirm the indication): given by the order hooks
 * from the knowledge first and again with the model's figures, and saying themselves that no indication was found. */
export const INDICATION_KINDS: ReadonlySet<CardKind> = new Set(['unsupported-order', 'review-unsupported', 'confirm-indication']);

const RANK: Record<Indicator, number> = { critical: 0, warning: 1, info: 2 };

export function byUrgency(a: { indicator: Indicator }, b: { indicator: Indicator }): number {
  return RANK[a.indicator] - RANK[b.indicator];
}

/** The judged orders, each with its position (later = higher). */
export class JudgedOrders {
  private readonly position = new Map<string, number>();

  constructor(
    readonly orders: readonly MedicationOrder[],
    private readonly source: 'draft' | 'active',
  ) {
    orders.forEach((order, i) => this.position.set(order.id, i));
  }

  has(ref: DrugRef): boolean {
    return ref.source === this.source && ref.orderId !== undefined && this.position.has(ref.orderId);
  }

  order(ref: DrugRef): MedicationOrder | undefined {
    return this.has(ref) ? this.orders[this.position.get(ref.orderId as string) as number] : undefined;
  }

  /** Of a pair, the judged drug a finding belongs to (the later one when both are), and the other; none when neither is judged. */
  subjectOf(pair: readonly [DrugRef, DrugRef]): { subject: DrugRef; other: DrugRef } | undefined {
    const [a, b] = pair;
    const judgedA = this.has(a);
    const judgedB = this.has(b);
    if (!judgedA && !judgedB) return undefined;
    if (judgedA && !judgedB) return { subject: a, other: b };
    if (judgedB && !judgedA) return { subject: b, other: a };
    const later = (this.position.get(b.orderId as string) as number) > (this.position.get(a.orderId as string) as number);
    return later ? { subject: b, other: a } : { subject: a, other: b };
  }
}

/** Findings grouped by subject order id, in first-seen order. */
export function groupBySubject(findings: readonly Finding[]): Finding[][] {
  const groups = new Map<string, Finding[]>();
  for (const finding of findings) {
    const group = groups.get(finding.subject.orderId);
    if (group) group.push(finding);
    else groups.set(finding.subject.orderId, [finding]);
  }
  return [...groups.values()];
}
