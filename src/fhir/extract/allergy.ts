/** AllergyIntolerance → AllergyEntry. */
import { toConcept } from '../concepts';
import type { RecordLinker } from '../linking';
import type { AllergyEntry } from '../types';
import { dropUndefined, statusCode, type AnyAllergy } from '../versions';

export function addAllergy(allergy: AnyAllergy, linker: RecordLinker): void {
  const verification = statusCode(allergy.verificationStatus);
  if (verification === 'entered-in-error' || verification === 'refuted') return linker.skipQuietly();
  const record = linker.ownerOf(allergy, allergy.patient);
  if (!record) return;
  const concept = toConcept(allergy.code);
  if (!concept) return linker.skip(allergy, 'warning', 'AllergyIntolerance without a usable code skipped');
  const entry: AllergyEntry = {
    id: allergy.id as string,
    concept,
    clinicalStatus: statusCode(allergy.clinicalStatus),
    verificationStatus: verification,
    category: allergy.category ? [...allergy.category] : undefined,
    criticality: allergy.criticality,
    onset: allergy.onsetDateTime ?? allergy.onsetPeriod?.start,
    recorded: allergy.recordedDate ?? allergy.assertedDate,
  };
  dropUndefined(entry);
  record.allergies.push(entry);
}
