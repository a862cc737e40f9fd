/**
 * /app/launch.html: starts the SMART authorization. EHR launch: the EHR opens this page with `iss` and
 * `launch`; standalone launch: the user opens it with `iss` alone and picks the patient at the EHR's
 * authorization server. Public client, PKCE S256 required (no secret exists in the browser).
 */
import FHIR from 'fhirclient';
import { showError } from './dom';

interface AppConfig {
  clientId: string;
  scope: string;
}

async function launch(): Promise<void> {
  const params = new URLSearchParams(window.location.search);
  const iss = params.get('iss');
  if (!iss) throw new Error('This page needs the FHIR server it is launched from: open it as launch.html?iss=<FHIR base URL> (and &launch=… from an EHR).');
  const response = await fetch('config.json', { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`The app's configuration could not be read (HTTP ${response.status}).`);
  const config = (await response.json()) as AppConfig;
  const ehrLaunch = params.has('launch');
  await FHIR.oauth2.authorize({
    clientId: config.clientId,
    // EHR launch: the EHR's launch context; standalone: ask the authorization server for a patient.
    scope: `${ehrLaunch ? 'launch' : 'launch/patient'} ${config.scope}`,
    redirectUri: 'index.html',
    pkceMode: 'required',
  });
}

launch().catch((error: unknown) => showError(error));
