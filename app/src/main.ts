/**
 * /app/index.html, the redirect target: completes the SMART authorization (fhirclient), reads the patient's
 * record from the EHR's FHIR server with the user's token, has the service assess it (same pipeline as the
 * hooks) and shows the result.
 */
import FHIR from 'fhirclient';
import type { AppAssessment } from '../../src/cds/app-wire';
import { drawChart } from './chart';
import { parseAppContext } from './context';
import { showError } from './dom';
import { draftOrders, readRecord } from './fhir-read';
import { patientLine, renderAssessment } from './render';

async function start(): Promise<void> {
  const status = document.getElementById('status') as HTMLElement;
  const main = document.getElementById('main') as HTMLElement;
  const client = await FHIR.oauth2.ready();
  const patientId = client.patient.id;
  if (!patientId) throw new Error('The launch has no patient in context.');
  const token = client.state.tokenResponse;
  const context = parseAppContext(token?.appContext);
  const encounterId = client.encounter.id ?? context?.encounterId ?? undefined;

  status.textContent = 'Reading the record from the EHR…';
  const record = await readRecord(client, patientId);
  (document.getElementById('patient') as HTMLElement).textContent = patientLine(record.patient);

  status.textContent = 'Assessing…';
  const response = await fetch('api/assessment', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      authorization: `Bearer ${client.state.tokenResponse?.access_token ?? ''}`,
      'x-fhir-server': client.state.serverUrl,
    },
    body: JSON.stringify({
      patientId,
      ...(encounterId ? { encounterId } : {}),
      resources: record.resources,
      ...(context && context.drafts.length > 0 ? { draftOrders: draftOrders(context, patientId) } : {}),
    }),
  });
  if (!response.ok) throw new Error(`The LAMO service could not assess this record (HTTP ${response.status}).`);
  const assessment = (await response.json()) as AppAssessment;
  const rendered = renderAssessment(main, assessment, context);
  // Launched without a card (standalone, or from the EHR's app menu): no "From the card" section to go to.
  if (!context) document.querySelector('a[href="#from-card"]')?.parentElement?.remove();
  if (rendered.chart && assessment.model) await drawChart(rendered.chart, assessment.model.candidates);
  const link = document.getElementById('model-card-link');
  if (link && assessment.model) link.textContent = `Model card (version ${assessment.model.version})`;
  main.setAttribute('aria-busy', 'false');
  document.body.dataset.state = 'ready';
  document.body.dataset.readyMs = String(Math.round(performance.now()));
}

start().catch((error: unknown) => showError(error));
