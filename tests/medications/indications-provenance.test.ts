/**
 * The reason links of fhir-mappings/indications.json come from the internal split's train patients only: the
 * clinical check asks the service about the test patients, whose orders must not have taught it. Recounted here
 * on synthea-qicore-177 (the smallest training population) and compared with the shipped counts.
 */
import * as path from 'path';
import { countReasons, trainingRecords, type ReasonCounts } from '../../scripts/build-indications';
import { loadPatientRecords } from '../../src/fhir/load';
import { loadIndications } from '../../src/medications/indications';
import { loadNameTables, loadVocabulary } from '../../src/medications/vocabulary';
import { SHARED_DIR } from '../../src/paths';

const POPULATION = 'synthea-qicore-177';

test(`every ${POPULATION} count of the shipped table is the count of its train patients`, async () => {
  const { records } = await loadPatientRecords(path.join(SHARED_DIR, 'data', POPULATION));
  const counts: ReasonCounts = new Map();
  countReasons(trainingRecords(records), loadVocabulary(), POPULATION, counts, loadNameTables());
  const all: ReasonCounts = new Map();
  countReasons(records, loadVocabulary(), POPULATION, all, loadNameTables());
  const table = loadIndications().table;
  const shipped = new Map<string, number>();
  for (const [name, entry] of [...Object.entries(table.drugs), ...Object.entries(table.otherDrugs ?? {})]) {
    for (const indication of entry.indications) {
      if (indication.origin === 'synthea' && indication.counts[POPULATION] !== undefined) shipped.set(`${name}|${indication.condition.system}|${indication.condition.code}`, indication.counts[POPULATION]);
    }
  }
  const expected = new Map<string, number>();
  for (const [name, links] of counts) for (const [key, link] of links) expected.set(`${name}|${key}`, link.counts[POPULATION]);
  // Rejected links are left out of the table: compare what the table kept.
  for (const [key, n] of shipped) expect({ key, n }).toEqual({ key, n: expected.get(key) });
  // The whole population would have counted more: the test patients were left out.
  const total = (m: ReasonCounts): number => [...m.values()].flatMap((links) => [...links.values()]).reduce((sum, link) => sum + (link.counts[POPULATION] ?? 0), 0);
  expect(total(all)).toBeGreaterThan(total(counts));
});
