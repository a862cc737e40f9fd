/** The hook context of a validated request, reduced to plain ids and resources. Clients differ: some send
 * `Patient/123` (or a full URL) where the spec says `123`, and `selections` always carry a type prefix. */
import type { FhirResource } from 'fhir/r4';
import { referencedId } from '../fhir/references';
import type { CdsRequest, HookContext } from './types';

/** "Patient/123", "https://ehr/fhir/Patient/123/_history/2" or "123" → "123". */
export function bareId(reference: string): string {
  return referencedId(reference) ?? reference.trim();
}

/** Resources of a Bundle's entries (draftOrders may be any Bundle type, or none). */
export function bundleResources(bundle: unknown): FhirResource[] {
  const entries = (bundle as { entry?: unknown } | undefined)?.entry;
  if (!Array.isArray(entries)) return [];
  const resources: FhirResource[] = [];
  for (const entry of entries) {
    const resource = (entry as { resource?: unknown } | null)?.resource;
    if (resource && typeof resource === 'object' && typeof (resource as { resourceType?: unknown }).resourceType === 'string') {
      resources.push(resource as FhirResource);
    }
  }
  return resources;
}

export function readHookContext(request: CdsRequest): HookContext {
  const context = request.context;
  const text = (key: string): string | undefined => {
    const value = context[key];
    return typeof value === 'string' && value.trim().length > 0 ? value.trim() : undefined;
  };
  const userId = text('userId');
  const encounterId = text('encounterId');
  const selections = Array.isArray(context.selections)
    ? context.selections.filter((s): s is string => typeof s === 'string').map(bareId)
    : [];
  return {
    ...(userId ? { userId } : {}),
    patientId: bareId(text('patientId') ?? ''),
    ...(encounterId ? { encounterId: bareId(encounterId) } : {}),
    draftOrders: bundleResources(context.draftOrders),
    selections,
  };
}
