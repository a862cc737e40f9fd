/**
 * Reference parsing and resolution for every form real exports use:
 *   urn:uuid:… / urn:oid:…            → the Bundle entry with that fullUrl
 *   Type/id, Type/id/_history/n        → the resource of that type and id
 *   https://server/fhir/Type/id[/_history/n] → that fullUrl, else Type/id
 *   #id                                → a resource contained in the referencing resource
 *   Type?identifier=[system|]value     → conditional: the resource of that type carrying the identifier
 *                                        (Synthea QI-Core bundles name Organizations and Practitioners this
 *                                        way, defined in batch bundles beside the patient bundles)
 */
import type { Reference, Resource } from 'fhir/r4';

export type ParsedReference =
  | { kind: 'contained'; id: string }
  | { kind: 'fullUrl'; url: string }
  | { kind: 'literal'; type: string; id: string; version?: string; url?: string }
  | { kind: 'conditional'; type: string; query: string }
  | { kind: 'unparseable'; value: string };

const LITERAL = /^(?:(.*)\/)?([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]+)(?:\/_history\/([A-Za-z0-9\-.]+))?$/;
const CONDITIONAL = /^(?:.*\/)?([A-Z][A-Za-z]+)\?(.*)$/;

export function parseReference(reference: string): ParsedReference {
  const value = reference.trim();
  if (value.startsWith('#')) return { kind: 'contained', id: value.slice(1) };
  if (/^urn:(uuid|oid):/i.test(value)) return { kind: 'fullUrl', url: value };
  const conditional = CONDITIONAL.exec(value);
  if (conditional) return { kind: 'conditional', type: conditional[1], query: conditional[2] };
  const literal = LITERAL.exec(value);
  if (literal) {
    const [, base, type, id, version] = literal;
    const parsed: ParsedReference = { kind: 'literal', type, id };
    if (version !== undefined) parsed.version = version;
    // An absolute reference may match a Bundle fullUrl exactly (fullUrls carry no _history part).
    if (base !== undefined && /^[a-z][a-z0-9+.-]*:\/\//i.test(value)) parsed.url = `${base}/${type}/${id}`;
    return parsed;
  }
  return { kind: 'unparseable', value };
}

/** What following a reference gave. */
export type Resolution =
  /** The reference names a resource of an expected type that is in the input. */
  | { status: 'resolved'; resource: Resource }
  /** No reference was given (no element, or only an identifier/display): nothing to follow. */
  | { status: 'absent' }
  /** A reference that is not followed on purpose: conditional, or to a type the caller does not want. */
  | { status: 'ignored'; reference: string; reason: string }
  /** A reference to a wanted resource that the input does not contain (a dangling reference). */
  | { status: 'unresolved'; reference: string; type?: string; id?: string }
  /**
   * A reference to a resource that lives elsewhere by design: an absolute URL on another server, or a
   * conditional reference (a search) that nothing in the input matches. Counted, not an error.
   */
  | { status: 'external'; reference: string; reason: string };

export interface ResolveOptions {
  /** The resource holding the reference, for `#id` contained references. */
  from?: Resource;
  /** Resource types the element may point to; references to other types are ignored. */
  expectedTypes?: readonly string[];
}

/** Looks resources up by `Type/id`, by Bundle fullUrl and (for conditional references) by identifier. */
export class ResourceIndex {
  private readonly byTypeAndId = new Map<string, Resource>();
  private readonly byFullUrl = new Map<string, Resource>();
  /** `Type|system|value` and `Type||value` → the resources carrying that identifier. */
  private readonly byIdentifier = new Map<string, Resource[]>();

  /** Adds a resource; returns false (and keeps the first) when `Type/id` is already present. */
  add(resource: Resource, fullUrl?: string): boolean {
    if (!resource.id) return false;
    const key = `${resource.resourceType}/${resource.id}`;
    if (this.byTypeAndId.has(key)) return false;
    this.byTypeAndId.set(key, resource);
    if (fullUrl) this.byFullUrl.set(fullUrl.trim(), resource);
    for (const identifierKey of identifierKeys(resource)) {
      const holders = this.byIdentifier.get(identifierKey);
      if (!holders) this.byIdentifier.set(identifierKey, [resource]);
      else if (!holders.includes(resource)) holders.push(resource);
    }
    return true;
  }

  get(type: string, id: string): Resource | undefined {
    return this.byTypeAndId.get(`${type}/${id}`);
  }

  resolve(reference: Reference | undefined | null, options: ResolveOptions = {}): Resolution {
    const value = typeof reference?.reference === 'string' ? reference.reference.trim() : '';
    if (!value) return { status: 'absent' };
    const expected = options.expectedTypes;
    const wanted = (type: string): boolean => !expected || expected.includes(type);
    const parsed = parseReference(value);

    switch (parsed.kind) {
      case 'conditional':
        if (!wanted(parsed.type)) return ignoredType(value, parsed.type);
        return this.resolveConditional(value, parsed.type, parsed.query, reference?.display);
      case 'contained': {
        const contained = findContained(options.from, parsed.id);
        if (!contained) return { status: 'unresolved', reference: value, id: parsed.id };
        if (!wanted(contained.resourceType)) return ignoredType(value, contained.resourceType);
        return { status: 'resolved', resource: contained };
      }
      case 'fullUrl': {
        const found = this.byFullUrl.get(parsed.url) ?? this.byBareId(parsed.url, expected);
        if (!found) return { status: 'unresolved', reference: value };
        if (!wanted(found.resourceType)) return ignoredType(value, found.resourceType);
        return { status: 'resolved', resource: found };
      }
      case 'literal': {
        if (!wanted(parsed.type)) return ignoredType(value, parsed.type);
        const found = (parsed.url ? this.byFullUrl.get(parsed.url) : undefined) ?? this.get(parsed.type, parsed.id);
        if (!found || found.resourceType !== parsed.type) {
          // An absolute URL names a resource on a server; not having it is not an error in the input.
          if (parsed.url) return { status: 'external', reference: value, reason: 'absolute reference not in the input' };
          return { status: 'unresolved', reference: value, type: parsed.type, id: parsed.id };
        }
        return { status: 'resolved', resource: found };
      }
      case 'unparseable':
        return { status: 'unresolved', reference: value };
    }
  }

  /**
   * `Type?identifier=[system|]value[&identifier=…][&_id=…]`: the one resource of that type matching every
   * parameter. A search the input cannot answer points outside it (external); other search parameters are
   * not evaluated (ignored). Several matches are narrowed by the reference's display (Synthea QI-Core
   * output from two generator runs reuses NPIs for different practitioners, but the display names the
   * right one). Several that agree on identifier and display are one person or organization exported
   * twice (one copy per generator run): the first read stands for them. Several without a display to tell
   * them apart are ambiguous (unresolved).
   */
  private resolveConditional(reference: string, type: string, query: string, display: string | undefined): Resolution {
    let candidates: Resource[] | undefined;
    for (const parameter of query.split('&')) {
      const equals = parameter.indexOf('=');
      const name = equals < 0 ? parameter : parameter.slice(0, equals);
      const rawValue = equals < 0 ? '' : parameter.slice(equals + 1);
      const searchValue = safeDecode(rawValue);
      let matches: Resource[];
      if (name === 'identifier' && searchValue) {
        const bar = searchValue.indexOf('|');
        const key = bar < 0 ? `${type}||${searchValue}` : `${type}|${searchValue.slice(0, bar)}|${searchValue.slice(bar + 1)}`;
        matches = this.byIdentifier.get(key) ?? [];
      } else if (name === '_id' && searchValue) {
        const found = this.get(type, searchValue);
        matches = found ? [found] : [];
      } else {
        return { status: 'ignored', reference, reason: `conditional reference with search parameter '${name}'` };
      }
      candidates = candidates === undefined ? matches : candidates.filter((resource) => matches.includes(resource));
    }
    if (!candidates || candidates.length === 0) {
      return { status: 'external', reference, reason: 'conditional reference that nothing in the input matches' };
    }
    if (candidates.length > 1 && typeof display === 'string' && display.trim()) {
      const wanted = normaliseName(display);
      const named = candidates.filter((resource) => displayNames(resource).some((name) => normaliseName(name) === wanted));
      if (named.length > 0) return { status: 'resolved', resource: named[0] };
    }
    if (candidates.length > 1) return { status: 'unresolved', reference, type };
    return { status: 'resolved', resource: candidates[0] };
  }

  /**
   * `urn:uuid:X` with no entry of that fullUrl: resources handed over without their Bundle (e.g. a CDS
   * Hooks prefetch flattened by a client) lose their fullUrls, but generators such as Synthea use the
   * uuid as the id, so try `Type/X` for the expected types.
   */
  private byBareId(url: string, expectedTypes: readonly string[] | undefined): Resource | undefined {
    if (!expectedTypes) return undefined;
    const bare = url.replace(/^urn:(uuid|oid):/i, '');
    for (const type of expectedTypes) {
      const found = this.get(type, bare);
      if (found) return found;
    }
    return undefined;
  }
}

/** Index keys of a resource's identifiers; malformed identifier elements are passed over. */
function identifierKeys(resource: Resource): string[] {
  const identifiers: unknown = (resource as { identifier?: unknown }).identifier;
  const list = Array.isArray(identifiers) ? identifiers : identifiers ? [identifiers] : [];
  const keys: string[] = [];
  for (const identifier of list as unknown[]) {
    if (typeof identifier !== 'object' || identifier === null) continue;
    const { system, value } = identifier as { system?: unknown; value?: unknown };
    if (typeof value !== 'string' || !value) continue;
    keys.push(`${resource.resourceType}||${value}`);
    if (typeof system === 'string' && system) keys.push(`${resource.resourceType}|${system}|${value}`);
  }
  return keys;
}

/** The names a resource goes by: `name` as a string (Organization, Location) or each HumanName written out. */
function displayNames(resource: Resource): string[] {
  const name: unknown = (resource as { name?: unknown }).name;
  if (typeof name === 'string') return [name];
  const names = Array.isArray(name) ? name : name ? [name] : [];
  const out: string[] = [];
  for (const human of names as unknown[]) {
    if (typeof human !== 'object' || human === null) continue;
    const { text, prefix, given, family, suffix } = human as Record<string, unknown>;
    if (typeof text === 'string') out.push(text);
    const parts = [prefix, given, family, suffix].flatMap((part) =>
      Array.isArray(part) ? part.filter((p): p is string => typeof p === 'string') : typeof part === 'string' ? [part] : [],
    );
    if (parts.length) out.push(parts.join(' '));
  }
  return out;
}

function normaliseName(name: string): string {
  return name.trim().replace(/\s+/g, ' ').toLowerCase();
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function ignoredType(reference: string, type: string): Resolution {
  return { status: 'ignored', reference, reason: `points to a ${type}` };
}

function findContained(from: Resource | undefined, id: string): Resource | undefined {
  if (!from || !id) return undefined;
  const contained: unknown = (from as { contained?: unknown }).contained;
  if (!Array.isArray(contained)) return undefined;
  for (const candidate of contained) {
    if (isResource(candidate) && candidate.id === id) return candidate;
  }
  return undefined;
}

export function isResource(value: unknown): value is Resource {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as { resourceType?: unknown }).resourceType === 'string'
  );
}

/** The id a reference names when it cannot be resolved (for matching a known patient id). */
export function referencedId(reference: string): string | undefined {
  const parsed = parseReference(reference);
  switch (parsed.kind) {
    case 'literal':
      return parsed.id;
    case 'fullUrl':
      return parsed.url.replace(/^urn:(uuid|oid):/i, '');
    case 'contained':
      return parsed.id;
    default:
      return undefined;
  }
}
