/** The card's `appContext`, as the EHR hands it over in the token response (cards/app-link.ts writes it). */
import type { AppLaunchContext } from '../../src/cds/app-wire';

export function parseAppContext(raw: unknown): AppLaunchContext | undefined {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 20_000) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const v = value as Partial<AppLaunchContext>;
  if (v?.v !== 1 || !Array.isArray(v.drafts) || typeof v.card?.summary !== 'string') return undefined;
  const drafts = v.drafts.filter((d) => typeof d?.id === 'string' && typeof d.display === 'string');
  return { ...(v as AppLaunchContext), drafts };
}
