import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import type { Resource } from 'fhir/r4';
import { formatSummary, loadPatientRecords, loadResources } from '../../src/fhir/load';

let dir: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fhir-load-'));
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** Writes a file (gzipped when the name ends in .gz) in a fresh sub-folder; returns its path. */
async function write(folder: string, name: string, content: string | Buffer): Promise<string> {
  const target = path.join(dir, folder, name);
  await fs.mkdir(path.dirname(target), { recursive: true });
  const bytes = typeof content === 'string' ? Buffer.from(content) : content;
  await fs.writeFile(target, name.endsWith('.gz') ? zlib.gzipSync(bytes) : bytes);
  return target;
}

const ndjson = (resources: object[]): string => resources.map((resource) => JSON.stringify(resource)).join('\n') + '\n';
const patient = (id: string) => ({ resourceType: 'Patient', id });
const encounter = (id: string, patientRef: string, start = '2020-01-01T00:00:00Z') => ({
  resourceType: 'Encounter',
  id,
  status: 'finished',
  subject: { reference: patientRef },
  period: { start },
});
const order = (id: string, patientRef: string, encounterRef: string) => ({
  resourceType: 'MedicationRequest',
  id,
  status: 'active',
  intent: 'order',
  medicationCodeableConcept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '1', display: 'drug' }] },
  subject: { reference: patientRef },
  encounter: { reference: encounterRef },
});

describe('loadResources: every input form', () => {
  it('reads a folder of bundles (all Bundle types, plain and gzipped), single resources and NDJSON', async () => {
    await write('mixed', 'a-transaction.json.gz', JSON.stringify({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: 'urn:uuid:pa', resource: patient('pa'), request: { method: 'POST', url: 'Patient' } },
        { fullUrl: 'urn:uuid:ea', resource: encounter('ea', 'urn:uuid:pa'), request: { method: 'POST', url: 'Encounter' } },
        { request: { method: 'DELETE', url: 'Observation/old' } },
        { fullUrl: 'urn:uuid:oa', resource: { resourceType: 'Observation', id: 'oa', status: 'final', code: { text: 'x' } } },
      ],
    }));
    await write('mixed', 'b-collection.json', JSON.stringify({
      resourceType: 'Bundle',
      type: 'collection',
      entry: [{ resource: patient('pb') }, { resource: order('mb', 'Patient/pb', 'Encounter/eb') }],
    }));
    await write('mixed', 'c-searchset.json', JSON.stringify({ resourceType: 'Bundle', type: 'searchset', entry: [{ resource: encounter('eb', 'Patient/pb') }] }));
    await write('mixed', 'd-batch.json', JSON.stringify({ resourceType: 'Bundle', type: 'batch', entry: [{ resource: { resourceType: 'Claim', id: 'cl' } }] }));
    await write('mixed', 'e-single.json', '\ufeff' + JSON.stringify(patient('pc')));
    await write('mixed', 'nested/Encounter.ndjson.gz', ndjson([encounter('ec', 'Patient/pc'), encounter('ec2', 'Patient/pc')]));
    await write('mixed', 'nested/MedicationRequest.ndjson', ndjson([order('mc', 'Patient/pc', 'Encounter/ec')]) + '\n\n');
    await write('mixed', 'README.md', '# not FHIR, not read');

    const progress: number[] = [];
    const { resources, origins, summary } = await loadResources(path.join(dir, 'mixed'), {
      onProgress: (done, total) => progress.push(done / total),
    });
    expect(summary.files).toBe(7);
    expect(progress).toHaveLength(7);
    expect(progress[6]).toBe(1);
    expect(summary.byType).toEqual({ Patient: 3, Encounter: 4, Observation: 1, MedicationRequest: 2, Claim: 1 });
    expect(summary.resources).toBe(11);
    expect(summary.dropped).toBe(2);
    expect(summary.issues).toEqual([]);
    expect(resources.map((resource) => resource.id).sort()).toEqual(['ea', 'eb', 'ec', 'ec2', 'mb', 'mc', 'pa', 'pb', 'pc']);

    const ea = resources.find((resource) => resource.id === 'ea') as Resource;
    expect(origins.get(ea)).toEqual({ file: path.join(dir, 'mixed', 'a-transaction.json.gz'), fullUrl: 'urn:uuid:ea' });
    const ec2 = resources.find((resource) => resource.id === 'ec2') as Resource;
    expect(origins.get(ec2)).toMatchObject({ line: 2 });
  });

  it('keeps every type when asked to', async () => {
    const file = await write('all', 'b.json', JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'Observation', id: 'o', status: 'final', code: {} } }] }));
    const { resources } = await loadResources(file, { keepTypes: 'all' });
    expect(resources.map((resource) => resource.resourceType)).toEqual(['Observation']);
  });

  it('reads an in-memory list, flattening Bundles', async () => {
    const { resources, summary } = await loadResources([
      patient('m1') as Resource,
      { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: encounter('me', 'Patient/m1') }] } as unknown as Resource,
    ]);
    expect(summary.files).toBe(0);
    expect(resources.map((resource) => resource.id)).toEqual(['m1', 'me']);
  });

  it('reads several paths', async () => {
    const a = await write('several', 'a.json', JSON.stringify(patient('s1')));
    const b = await write('several', 'b.ndjson', ndjson([patient('s2')]));
    const { resources, summary } = await loadResources([a, b]);
    expect(summary.files).toBe(2);
    expect(resources).toHaveLength(2);
  });
});

describe('loadResources: bad input never crashes and is named', () => {
  it('reports truncated JSON and truncated gzip, and loads the other files', async () => {
    const good = JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: patient('ok') }] });
    await write('truncated', 'good.json', good);
    await write('truncated', 'cut.json', good.slice(0, 40));
    const gz = zlib.gzipSync(Buffer.from(good));
    await write('truncated', 'cut-gzip.json', gz.subarray(0, gz.length - 12)); // gzip magic, no .gz name
    const lines = ndjson([patient('l1'), patient('l2'), patient('l3')]);
    const gzLines = zlib.gzipSync(Buffer.from(lines));
    await fs.writeFile(path.join(dir, 'truncated', 'cut-lines.ndjson.gz'), gzLines.subarray(0, gzLines.length - 8));

    const { resources, summary } = await loadResources(path.join(dir, 'truncated'));
    expect(summary.files).toBe(4);
    const byFile = Object.fromEntries(summary.issues.map((issue) => [path.basename(issue.file ?? ''), issue]));
    expect(byFile['cut.json']).toMatchObject({ severity: 'error', message: expect.stringMatching(/invalid JSON/) });
    expect(byFile['cut-gzip.json']).toMatchObject({ severity: 'error', message: expect.stringMatching(/gunzip/) });
    expect(byFile['cut-lines.ndjson.gz']).toMatchObject({ severity: 'error', message: expect.stringMatching(/reading stopped/) });
    // The good file loads; so does every NDJSON line before the break.
    expect(resources.map((resource) => resource.id)).toEqual(expect.arrayContaining(['ok']));
    expect(resources.length).toBeGreaterThanOrEqual(1);
  });

  it('reports a broken NDJSON line with its number and reads on', async () => {
    const file = await write('lines', 'Patient.ndjson', `${JSON.stringify(patient('n1'))}\n{"resourceType":"Patient","id":\n${JSON.stringify(patient('n3'))}\n`);
    const { resources, summary } = await loadResources(file);
    expect(resources.map((resource) => resource.id)).toEqual(['n1', 'n3']);
    expect(summary.skipped).toBe(1);
    expect(summary.issues).toEqual([
      expect.objectContaining({ severity: 'error', file, message: expect.stringMatching(/^line 2: invalid JSON/) }),
    ]);
  });

  it('keeps resources without an id (id from the fullUrl, else a stable synthetic one), skips unknown resource types', async () => {
    const file = await write('ids', 'bundle.json', JSON.stringify({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: { resourceType: 'Encounter', status: 'finished' } },
        { fullUrl: 'urn:uuid:1234', resource: { resourceType: 'Patient' } },
        { resource: { resourceType: 'Gadget', id: 'g1' } },
        { resource: { id: 'no-type' } },
        { resource: { resourceType: 'Observation', status: 'final' } },
      ],
    }));
    const { resources, summary } = await loadResources(file);
    const ids = resources.map((resource) => `${resource.resourceType}/${resource.id}`);
    expect(ids).toEqual([expect.stringMatching(/^Encounter\/synthetic-[0-9a-f]{24}$/), 'Patient/1234']);
    // The same content gets the same id on every load.
    expect((await loadResources(file)).resources[0].id).toBe(resources[0].id);
    expect(summary.syntheticIds).toBe(1);
    expect(summary.skipped).toBe(2);
    expect(summary.issues).toEqual([
      expect.objectContaining({ severity: 'warning', file, resourceType: 'Patient', resourceId: '1234' }),
      expect.objectContaining({ severity: 'warning', file, resourceType: 'Gadget', resourceId: 'g1', message: expect.stringMatching(/unknown resource type/) }),
      expect.objectContaining({ severity: 'error', file, resourceId: 'no-type', message: expect.stringMatching(/no resourceType/) }),
    ]);
    // The Observation without an id is not needed, so it is merely counted.
    expect(summary.byType.Observation).toBe(1);
  });

  it('reads symbolically linked files and folders like files, a link loop once, and names a broken link', async () => {
    const source = await write('link-source', 'p1.json', JSON.stringify(patient('p1')));
    await write('link-source/sub', 'p2.ndjson', ndjson([patient('p2')]));
    const folder = path.join(dir, 'linked');
    await fs.mkdir(folder, { recursive: true });
    await fs.symlink(source, path.join(folder, 'p1.json'));
    await fs.symlink(path.join(dir, 'link-source', 'sub'), path.join(folder, 'sub'));
    await fs.symlink(folder, path.join(folder, 'loop'));
    await fs.symlink(path.join(dir, 'nowhere.json'), path.join(folder, 'broken.json'));
    const { resources, summary } = await loadResources(folder);
    expect(resources.map((resource) => resource.id).sort()).toEqual(['p1', 'p2']);
    expect(summary.files).toBe(2);
    expect(summary.issues).toEqual([
      expect.objectContaining({ severity: 'error', file: path.join(folder, 'broken.json'), message: expect.stringMatching(/broken symbolic link/) }),
    ]);
  });

  it('reports a path that does not exist', async () => {
    const missing = path.join(dir, 'nope');
    const { resources, summary } = await loadResources(missing);
    expect(resources).toEqual([]);
    expect(summary.issues).toEqual([expect.objectContaining({ severity: 'error', file: missing, message: expect.stringMatching(/cannot read/) })]);
  });

  it('names the file of a dangling reference', async () => {
    const file = await write('dangling', 'b.json', JSON.stringify({
      resourceType: 'Bundle',
      type: 'collection',
      entry: [{ resource: patient('dp') }, { resource: order('dm', 'Patient/dp', 'Encounter/not-there') }],
    }));
    const { records, summary } = await loadPatientRecords(file);
    expect(summary.unresolvedReferences).toBe(1);
    expect(summary.issues).toEqual([
      expect.objectContaining({ severity: 'warning', file, resourceType: 'MedicationRequest', resourceId: 'dm', message: expect.stringMatching(/Encounter\/not-there/) }),
    ]);
    // The order is kept at patient level, linked to no encounter.
    expect(records[0].medications.map((medication) => medication.encounterId)).toEqual([undefined]);
    expect(formatSummary(summary)).toMatch(/unresolved references 1; external references 0; 0 errors, 1 warning;/);
  });

  it('loads a 50 MB note quickly, keeps 64 Ki characters and says so', async () => {
    const sentence = 'Patient reports mild headache.'; // 30 bytes: its base64 repeats without padding
    const data = Buffer.from(sentence).toString('base64').repeat(1_300_000); // 52 MB of base64
    const body = sentence.repeat(3000);
    const file = await write('huge', 'DocumentReference.ndjson', ndjson([
      patient('hp'),
      encounter('he', 'Patient/hp'),
      {
        resourceType: 'DocumentReference',
        id: 'huge-note',
        status: 'current',
        subject: { reference: 'Patient/hp' },
        content: [{ attachment: { contentType: 'text/plain; charset=utf-8', data } }],
        context: { encounter: [{ reference: 'Encounter/he' }] },
      },
    ]));
    const { records, summary } = await loadPatientRecords(file);
    const note = records[0].encounters[0].notes[0];
    expect(note.text).toHaveLength(64 * 1024);
    expect(body.startsWith(note.text)).toBe(true);
    expect(summary.issues).toEqual([
      expect.objectContaining({ severity: 'warning', file, resourceType: 'DocumentReference', resourceId: 'huge-note', message: expect.stringMatching(/truncated/) }),
    ]);
  });
});

describe('loadPatientRecords and formatSummary', () => {
  it('assembles records and reports time and peak RSS', async () => {
    const file = await write('records', 'all.ndjson', ndjson([patient('r1'), encounter('re', 'Patient/r1'), order('rm', 'Patient/r1', 'Encounter/re')]));
    const { records, summary } = await loadPatientRecords(file);
    expect(records.map((record) => record.patientId)).toEqual(['r1']);
    expect(records[0].encounters[0].medications.map((medication) => medication.id)).toEqual(['rm']);
    expect(summary.patients).toBe(1);
    expect(summary.elapsedMs).toBeGreaterThan(0);
    expect(summary.peakRssMb).toBeGreaterThan(10);
    const text = formatSummary(summary);
    expect(text).toMatch(/^loaded 1 file, 3 resources \(Encounter 1, MedicationRequest 1, Patient 1\); dropped 0 not needed; skipped 0; unresolved references 0; external references 0; 0 errors, 0 warnings; 1 patients; \d+\.\d s, peak RSS \d+ MB$/);
  });

  it('lists the first issues under the summary line', () => {
    const text = formatSummary({
      files: 2,
      resources: 5,
      byType: { Patient: 5 },
      skipped: 2,
      unresolvedReferences: 0,
      externalReferences: 0,
      issues: [
        { severity: 'error', file: 'a.json', message: 'invalid JSON' },
        { severity: 'warning', file: 'b.json', resourceType: 'Patient', resourceId: 'x', message: 'odd' },
        { severity: 'warning', message: 'third' },
      ],
      issuesOmitted: 4,
    }, { maxIssues: 2 });
    expect(text.split('\n')).toEqual([
      'loaded 2 files, 5 resources (Patient 5); skipped 2; unresolved references 0; external references 0; 1 error, 2 warnings (+4 more issues not kept)',
      '  error: a.json: invalid JSON',
      '  warning: b.json: Patient/x: odd',
      '  ... and 5 more',
    ]);
  });
});
