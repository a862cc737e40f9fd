/**
 * Token introspection (RFC 7662) for the SMART app's assessment endpoint. Reading the Patient with a token
 * proves the token is live, not that it was issued for that patient: an EHR whose FHIR proxy lets any token
 * read any patient (the SMART App Launcher's does) would open patient B to a token launched for patient A.
 * Where the EHR offers introspection (`introspection_endpoint` in `<iss>/.well-known/smart-configuration`),
 * its answer says whom the token is for: it must be active and its `patient` must be the patient asked about.
 *
 * The introspection call is authorized with the token itself (the SMART App Launcher and many EHRs accept a
 * bearer token for the call); where the server refuses that and client credentials are configured, with those
 * (HTTP Basic, RFC 7662 §2.1). Nothing here logs or returns the token.
 */

export interface IntrospectionClient {
  clientId: string;
  clientSecret: string;
}

/** What a server's SMART configuration says about introspection. */
export type IntrospectionSupport = { offered: true; endpoint: string } | { offered: false } | { unknown: string };

export type IntrospectionResult = { ok: true } | { ok: false; reason: string };

async function getJson(url: string, init: RequestInit, timeoutMs: number): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(timeoutMs) });
  const body = response.status === 200 ? await response.json().catch(() => undefined) : undefined;
  if (response.status !== 200) await response.body?.cancel();
  return { status: response.status, body };
}

/**
 * Whether the FHIR server offers introspection. A server that answers its SMART configuration without an
 * endpoint (or has none: 404) does not; one that cannot be asked is unknown, and no token is trusted then.
 */
export async function introspectionSupport(fhirServer: string, timeoutMs: number): Promise<IntrospectionSupport> {
  try {
    const { status, body } = await getJson(`${fhirServer}/.well-known/smart-configuration`, { headers: { accept: 'application/json' } }, timeoutMs);
    if (status === 404) return { offered: false };
    if (status !== 200 || typeof body !== 'object' || body === null) return { unknown: `the SMART configuration answered ${status}` };
    const endpoint = (body as { introspection_endpoint?: unknown }).introspection_endpoint;
    if (typeof endpoint !== 'string' || endpoint.length === 0) return { offered: false };
    const url = new URL(endpoint, `${fhirServer}/`);
    if (url.protocol !== 'https:' && !['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)) return { unknown: 'the introspection endpoint is not https' };
    return { offered: true, endpoint: url.toString() };
  } catch (error) {
    return { unknown: `the SMART configuration could not be read (${(error as Error).name})` };
  }
}

/** "123", "Patient/123" → "123". */
const bareId = (value: string): string => value.replace(/^.*Patient\//, '');

/** Asks the introspection endpoint about `token` and requires an active token for `patientId`. */
export async function introspect(endpoint: string, token: string, patientId: string, client: IntrospectionClient | undefined, timeoutMs: number): Promise<IntrospectionResult> {
  const ask = (authorization: string) =>
    getJson(
      endpoint,
      {
        method: 'POST',
        headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded', authorization },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
      },
      timeoutMs,
    );
  let answer: { status: number; body: unknown };
  try {
    answer = await ask(`Bearer ${token}`);
    if ((answer.status === 401 || answer.status === 403) && client) {
      const basic = Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`).toString('base64');
      answer = await ask(`Basic ${basic}`);
    }
  } catch (error) {
    return { ok: false, reason: `the introspection endpoint could not be reached (${(error as Error).name})` };
  }
  if (answer.status !== 200 || typeof answer.body !== 'object' || answer.body === null) return { ok: false, reason: `the introspection endpoint answered ${answer.status}` };
  const claims = answer.body as { active?: unknown; patient?: unknown };
  if (claims.active !== true) return { ok: false, reason: 'introspection: the token is not active' };
  if (typeof claims.patient !== 'string' || claims.patient.length === 0) return { ok: false, reason: 'introspection: the token names no patient' };
  if (bareId(claims.patient) !== patientId) return { ok: false, reason: 'introspection: the token was issued for another patient' };
  return { ok: true };
}
