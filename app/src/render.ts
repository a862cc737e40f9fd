/** The assessment as a page: from-the-card, findings, the ranked candidates (chart + table), the record. */
import type { Patient } from 'fhir/r4';
import { PROMPT_MEDICATIONS_LABEL, WITHOUT_ENCOUNTER, type AppAssessment, type AppLaunchContext, type CandidateView, type EvidenceView } from '../../src/cds/app-wire';
import type { Card } from '../../src/cds/types';
import { el, list, percent } from './dom';

const section = (id: string, title: string, ...children: (Node | undefined)[]): HTMLElement =>
  el('section', { id, 'aria-labelledby': `${id}-h` }, el('h2', { id: `${id}-h` }, title), ...children);

export function patientLine(patient: Patient): string {
  const name = patient.name?.[0];
  const text = name?.text ?? [...(name?.given ?? []), name?.family].filter((p) => p).join(' ');
  return [text || `Patient ${patient.id ?? ''}`, patient.gender, patient.birthDate ? `born ${patient.birthDate}` : undefined].filter((p) => p).join(' · ');
}

/** Whether a recomputed card is the one the user came from (uuids differ per call; topic and summary do not). */
function isLaunchCard(card: Card, context: AppLaunchContext | undefined): boolean {
  return context !== undefined && card.summary === context.card.summary && (context.card.topic === undefined || card.source.topic?.code === context.card.topic);
}

function cardView(card: Card, highlighted: boolean): HTMLElement {
  const attrs: Record<string, string> = { class: `card ${card.indicator}${highlighted ? ' highlight' : ''}`, 'data-topic': card.source.topic?.code ?? '' };
  if (highlighted) attrs['aria-current'] = 'true';
  return el(
    'li',
    attrs,
    el('span', { class: 'indicator' }, card.indicator),
    el('span', { class: 'summary' }, card.summary),
    highlighted ? el('span', { class: 'tag' }, ' the card you came from') : undefined,
    card.detail ? el('details', {}, el('summary', {}, 'Details'), el('pre', {}, card.detail)) : undefined,
  );
}

function fromCard(assessment: AppAssessment, context: AppLaunchContext | undefined): HTMLElement | undefined {
  if (!context) return undefined;
  return section(
    'from-card',
    'From the card',
    el('p', {}, el('span', { class: `tag ${context.card.indicator}` }, context.card.indicator), ' ', el('strong', { 'data-testid': 'launch-card' }, context.card.summary)),
    el('h3', {}, 'Draft orders of that call'),
    list(
      assessment.drafts.map((d) => el('span', { class: 'highlight', 'data-testid': 'draft' }, d.display + (d.candidate ? ` (${d.candidate})` : ''))),
      'No draft orders.',
    ),
  );
}

function findings(assessment: AppAssessment, context: AppLaunchContext | undefined): HTMLElement {
  const cards = assessment.cards;
  return section(
    'findings',
    `Findings (${cards.length})`,
    cards.length === 0
      ? el('p', { class: 'none' }, 'No cards: nothing to warn about or suggest.')
      : el('ul', { class: 'plain', 'data-testid': 'cards', style: 'list-style:none;padding:0' }, ...cards.map((card) => cardView(card, isLaunchCard(card, context)))),
    assessment.gaps.length > 0 ? list(assessment.gaps, '') : undefined,
  );
}

function statusText(c: CandidateView): string {
  if (c.status === 'draft') return c.recommended ? 'being ordered; supported' : 'being ordered; not supported';
  if (c.status === 'active') return c.recommended ? 'active; supported' : 'active; not supported';
  return c.recommended ? (c.withheld ? `recommended, withheld: ${c.withheld}` : 'recommended') : 'not recommended';
}

function candidateTable(candidates: readonly CandidateView[], draftCandidates: ReadonlySet<string>): HTMLElement {
  const header = el('tr', {}, ...['#', 'Drug', 'P(yes)', 'Threshold', 'Status', 'Indication in the record', 'Safety'].map((h) => el('th', { scope: 'col' }, h)));
  const rows = candidates.map((c, i) =>
    el(
      'tr',
      { 'data-candidate': c.candidate, ...(draftCandidates.has(c.candidate) ? { class: 'highlight' } : {}) },
      el('td', {}, String(i + 1)),
      el('th', { scope: 'row' }, c.candidate),
      el('td', { 'data-testid': 'p' }, percent(c.probability)),
      el('td', {}, percent(c.threshold)),
      el('td', {}, c.recommended ? el('span', { class: 'tag rec' }, statusText(c)) : statusText(c)),
      el('td', {}, c.indications.length > 0 ? c.indications.join('; ') : el('span', { class: 'none' }, 'none found')),
      el('td', {}, c.safety.length > 0 ? list(c.safety.map((s) => `${s.severity}: ${s.text}`), '') : el('span', { class: 'none' }, 'none')),
    ),
  );
  const colgroup = el('colgroup', {}, ...['rank', 'drug', 'p', 't', 'status', 'ind', 'safety'].map((c) => el('col', { class: c })));
  return el(
    'table',
    { 'data-testid': 'candidates' },
    el('caption', {}, 'Every candidate, most probable first'),
    colgroup,
    el('thead', {}, header),
    el('tbody', {}, ...rows),
  );
}

function evidenceView(e: EvidenceView, ofVisit: boolean): HTMLElement {
  const rows: [string, string[]][] = [
    [ofVisit ? 'Diagnoses of this visit' : 'Active problems', e.diagnoses],
    ['Other active conditions', e.pastHistory],
    ['Procedures', e.procedures],
    // Not "current medications": the prompt reads stopped orders of the last year too.
    [PROMPT_MEDICATIONS_LABEL, e.medicationsOnAdmission],
    ['Note sections', e.noteSections],
    ["Previous visit's drugs", e.previousDrugs],
  ];
  return el('dl', { 'data-testid': 'evidence' }, ...rows.flatMap(([label, items]) => [el('dt', {}, label), el('dd', {}, items.length > 0 ? items.join('; ') : 'none')]));
}

export interface Rendered {
  chart?: HTMLElement;
}

export function renderAssessment(main: HTMLElement, assessment: AppAssessment, context: AppLaunchContext | undefined): Rendered {
  main.replaceChildren();
  const rendered: Rendered = {};
  const launch = fromCard(assessment, context);
  if (launch) main.append(launch);
  main.append(findings(assessment, context));
  const model = assessment.model;
  if (model) {
    const drafts = new Set(assessment.drafts.map((d) => d.candidate).filter((c): c is string => c !== undefined));
    // vega gives the container its role and accessible name (graphics-document, the spec's description).
    rendered.chart = el('div', { class: 'chart', 'data-testid': 'chart' });
    main.append(
      section(
        'candidates',
        `Ranked candidates (model ${model.version})`,
        el('p', {}, 'Bars: the model’s probability that the record supports the drug. Black ticks: each drug’s recommendation threshold.'),
        rendered.chart,
        el('h3', {}, 'What the model read'),
        ...(assessment.encounter.basis === 'none' ? [el('p', { 'data-testid': 'without-encounter' }, WITHOUT_ENCOUNTER)] : []),
        evidenceView(model.evidence, assessment.encounter.basis !== 'none'),
        candidateTable(model.candidates, drafts),
      ),
    );
  } else {
    main.append(section('candidates', 'Ranked candidates', el('p', { class: 'none' }, 'The model did not run for this record: ' + (assessment.gaps.join(' ') || 'no reason given.'))));
  }
  main.append(
    section(
      'record',
      'Problems, medications, allergies',
      el(
        'div',
        { class: 'columns' },
        el('div', {}, el('h3', {}, 'Active problems'), list(assessment.problems.map((p) => p.display), 'None recorded.')),
        el(
          'div',
          {},
          el('h3', {}, 'Current medications'),
          el('p', { class: 'none' }, 'Orders active or on hold now.'),
          list(
            assessment.medications.map((m) => el('span', { 'data-testid': 'medication' }, el('strong', {}, m.display), ` — for: ${m.indications.length > 0 ? m.indications.join('; ') : 'none found'}`)),
            'None recorded.',
          ),
        ),
        el('div', {}, el('h3', {}, 'Allergies'), list(assessment.allergies.map((a) => a.display + (a.criticality ? ` (${a.criticality} criticality)` : '')), 'None recorded.')),
      ),
    ),
  );
  return rendered;
}
