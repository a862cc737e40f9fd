/**
 * The `smart` link every card about a drug carries: it launches the SMART app (/app/launch.html) with the
 * patient in context, and its `appContext` hands over what the card was about — the call's draft orders and
 * the card's own finding — so that the app can highlight them (CDS Hooks 2.0 §Link; the EHR passes
 * `appContext` to the app in the token response). Ids and codes only: no names, no free text beyond the
 * card's own summary, so the string stays small enough for any EHR.
 */
import type { AppLaunchContext } from '../app-wire';
import type { Assessment } from '../assessment';
import type { IssuedCard } from '../types';
import type { CardSourceInfo } from './card';

const MAX_DRAFTS = 20;

export function withAppLink(issued: IssuedCard, source: CardSourceInfo, assessment: Assessment | undefined): IssuedCard {
  // A data gap says the model did not run: the app would show no more than the card does.
  if (!source.appLaunchUrl || issued.kind === 'data-gap') return issued;
  const { card } = issued;
  const context: AppLaunchContext = {
    v: 1,
    ...(assessment?.encounterId ? { encounterId: assessment.encounterId } : {}),
    drafts: (assessment?.drafts ?? []).slice(0, MAX_DRAFTS).map((order) => ({
      id: order.id,
      ...(order.concept.system ? { system: order.concept.system } : {}),
      ...(order.concept.code ? { code: order.concept.code } : {}),
      display: order.concept.display.slice(0, 120),
    })),
    card: { ...(card.source.topic ? { topic: card.source.topic.code } : {}), indicator: card.indicator, summary: card.summary },
  };
  const link = { label: 'Open the LAMO assessment', url: source.appLaunchUrl, type: 'smart' as const, appContext: JSON.stringify(context) };
  return { ...issued, card: { ...card, links: [...(card.links ?? []), link] } };
}
