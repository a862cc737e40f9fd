/**
 * The same product drafted several times in one call (one order set): one regimen of several doses, not several
 * drugs. Chemotherapy and other protocol order sets write one order per administration (paclitaxel on days 1 to 5
 * of a cycle), and an order set may carry a product twice; flagging each copy as "duplicate therapy" of the
 * others interrupts the prescriber N-1 times about one drug, and a pharmacist reads the copies as one order.
 *
 * So the copies are judged once, through one of them (the selected one in order-select, else the first): every
 * check runs on it, against the other products and the active drugs, and its card says "ordered N times in this
 * order set" (information: if a copy was entered twice by mistake, remove it; the EHR's own duplicate-order
 * check sees identical entries too). Two different products of one ingredient (warfarin 5 mg and 1 mg) or of one
 * duplicate class (two statins) are not copies: they stay duplicate-therapy findings.
 *
 * A product is the same when its coded identity is (the RxNorm code, else the first coding), or, for a draft
 * without any code, its text.
 */
import { knownSystem } from '../../fhir/concepts';
import type { MedicationOrder } from '../../fhir/types';
import { orderLabel, type Assessment } from '../assessment';
import type { Finding, FindingSubject } from '../findings';
import { md } from './card';

/** The product an order names: its RxNorm code, else its first coding, else its text. */
export function productKey(order: MedicationOrder): string {
  const coded = order.concept.codings.filter((coding) => coding.code);
  const rxnorm = coded.filter((coding) => knownSystem(coding.system) === 'rxnorm').map((coding) => String(coding.code).trim()).sort();
  if (rxnorm.length > 0) return `rxnorm|${rxnorm[0]}`;
  if (coded.length > 0) return `${coded[0].system ?? ''}|${String(coded[0].code).trim()}`;
  return `text|${order.concept.display.trim().toLowerCase()}`;
}

export interface RepeatedDrafts {
  /** One draft per product, in the order the drafts came: the one that stands for its copies. */
  kept: MedicationOrder[];
  /** The other drafts of each kept draft's product (by the kept draft's id); absent when drafted once. */
  copiesOf: Map<string, MedicationOrder[]>;
}

/** Groups the drafts by product; the draft kept for a product is the first one in `prefer`, else the first. */
export function repeatedDrafts(drafts: readonly MedicationOrder[], prefer: ReadonlySet<string> = new Set()): RepeatedDrafts {
  const byProduct = new Map<string, MedicationOrder[]>();
  for (const draft of drafts) {
    const key = productKey(draft);
    byProduct.set(key, [...(byProduct.get(key) ?? []), draft]);
  }
  const keptIds = new Map<string, MedicationOrder>();
  const copiesOf = new Map<string, MedicationOrder[]>();
  for (const group of byProduct.values()) {
    const kept = group.find((draft) => prefer.has(draft.id)) ?? group[0];
    keptIds.set(kept.id, kept);
    if (group.length > 1) copiesOf.set(kept.id, group.filter((draft) => draft !== kept));
  }
  return { kept: drafts.filter((draft) => keptIds.has(draft.id)), copiesOf };
}

/** The drafts an order hook judges: one per product (see the module comment). */
export function oneOrderPerProduct(drafts: readonly MedicationOrder[]): MedicationOrder[] {
  return repeatedDrafts(drafts).kept;
}

/** Written the same day with the same dose instructions: nothing tells the copies apart (a double entry?). */
const sameInstructions = (a: MedicationOrder, b: MedicationOrder): boolean =>
  (a.authoredOn ?? '').slice(0, 10) === (b.authoredOn ?? '').slice(0, 10) &&
  JSON.stringify(a.resource.dosageInstruction ?? []) === JSON.stringify(b.resource.dosageInstruction ?? []);

/** An information finding on each judged draft whose product is drafted more than once in the call. */
export function repeatedOrderFindings(assessment: Assessment, subjectOf: (order: MedicationOrder) => FindingSubject): Finding[] {
  const judged = new Set(assessment.judged.map((order) => order.id));
  const { copiesOf } = repeatedDrafts(assessment.drafts, judged);
  const findings: Finding[] = [];
  for (const [id, copies] of copiesOf) {
    const kept = assessment.drafts.find((draft) => draft.id === id);
    if (!kept || !judged.has(id)) continue;
    const times = copies.length + 1;
    const identical = copies.every((copy) => sameInstructions(copy, kept));
    findings.push({
      kind: 'repeated-order',
      indicator: 'info',
      subject: subjectOf(kept),
      summary: `${capitalised(subjectOf(kept).name)}: ordered ${times} times in this order set`,
      phrase: `ordered ${times} times in this order set`,
      detail: [
        `**Ordered ${times} times in this order set** (${md(orderLabel(kept))}): read as one regimen of ${times} doses or administrations (for example the days of a chemotherapy cycle), so the orders are not flagged as duplicates of each other; the checks on this card ran once for the product, against the other products and the active drugs.`,
        identical
          ? `The ${times} orders are identical (same day and dose instructions): if the product was entered twice by mistake, remove the extra order${times > 2 ? 's' : ''}.`
          : 'If one of them was entered by mistake, remove it.',
      ].join('\n\n'),
      overrideReasons: [],
    });
  }
  return findings;
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
