/** Encounter → EncounterView, with its reasons, type, class and the organization that provided it. */
import type { Condition, Organization } from 'fhir/r4';
import { conceptsOf, toConcept } from '../concepts';
import type { RecordLinker } from '../linking';
import type { EncounterView } from '../types';
import { dropUndefined, type AnyEncounter } from '../versions';

const CONDITION = ['Condition'];
const ORGANIZATION = ['Organization'];
const LOCATION = ['Location'];
const PARTICIPANT = ['Practitioner', 'PractitionerRole', 'RelatedPerson'];

export function addEncounter(encounter: AnyEncounter, linker: RecordLinker): void {
  if (encounter.status === 'entered-in-error') return linker.skipQuietly();
  const record = linker.ownerOf(encounter, encounter.subject);
  if (!record) return;
  const reasons = conceptsOf([...(encounter.reasonCode ?? []), ...(encounter.reason ?? [])]);
  for (const reference of encounter.reasonReference ?? []) {
    const resolution = linker.follow(encounter, reference, CONDITION, 'reasonReference');
    if (resolution.status === 'resolved') {
      const concept = toConcept((resolution.resource as Condition).code);
      if (concept) reasons.push(concept);
    }
  }
  // Followed so that every reference is accounted for (resolved, unresolved or external) in the summary.
  const provider = linker.follow(encounter, encounter.serviceProvider, ORGANIZATION, 'serviceProvider');
  for (const location of encounter.location ?? []) linker.follow(encounter, location.location, LOCATION, 'location');
  for (const participant of encounter.participant ?? []) {
    linker.follow(encounter, participant.individual, PARTICIPANT, 'participant.individual');
  }
  const name = provider.status === 'resolved' ? (provider.resource as Organization).name : undefined;
  const view: EncounterView = {
    id: encounter.id as string,
    start: encounter.period?.start,
    end: encounter.period?.end,
    status: encounter.status,
    classCode: encounter.class?.code,
    serviceProvider: typeof name === 'string' ? name : undefined,
    types: conceptsOf(encounter.type),
    reasons,
    diagnosed: [],
    activeConditions: [],
    procedures: [],
    notes: [],
    medications: [],
  };
  dropUndefined(view);
  record.encounters.push(view);
  linker.encounters.set(view.id, { record, view });
}
