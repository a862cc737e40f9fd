/**
 * Loading FHIR input — files (Bundle or single-resource JSON, NDJSON; gzipped or not), folders of them
 * (a bulk export, a folder of bundles) or an in-memory list — into resources and PatientRecords.
 *
 * Memory: files are read one at a time and each parsed tree is reduced at once to the resource types a
 * PatientRecord needs (see RECORD_RESOURCE_TYPES), so the input size bounds the time, not the memory.
 */
import { createReadStream, promises as fs } from 'fs';
import * as path from 'path';
import * as readline from 'readline';
import { pipeline } from 'stream';
import { promisify } from 'util';
import * as zlib from 'zlib';
import type { Resource } from 'fhir/r4';
import { ResourceCollector, type CollectOptions, type ResourceOrigin } from './collect';
import { assembleRecords } from './record';
import { addIssue, createSummary, formatSummary, RssSampler } from './summary';
import type { LoadSummary, PatientRecord } from './types';

export { formatSummary };
export type { ResourceOrigin };

const gunzip = promisify(zlib.gunzip);

/** A path, several paths, or resources already in memory (Bundles among them are flattened). */
export type LoadInput = string | readonly string[] | readonly Resource[];

export interface LoadProgress {
  filesDone: number;
  filesTotal: number;
  /** Resources read so far (all types, before dropping). */
  resources: number;
  /** The file just finished. */
  file?: string;
}

export interface LoadOptions extends CollectOptions {
  /** Called after each file: files done, files in all, and the detail. */
  onProgress?: (filesDone: number, filesTotal: number, detail: LoadProgress) => void;
}

export interface LoadedResources {
  /** The resources kept (by default only the types PatientRecords need), Bundles flattened. */
  resources: Resource[];
  /** File and Bundle fullUrl of each kept resource: pass to `assembleRecords` so urn:uuid references resolve. */
  origins: Map<Resource, ResourceOrigin>;
  summary: LoadSummary;
}

const INPUT_FILE = /\.(json|ndjson)(\.gz)?$/i;
const NDJSON_FILE = /\.ndjson(\.gz)?$/i;

export async function loadResources(input: LoadInput, options: LoadOptions = {}): Promise<LoadedResources> {
  const started = performance.now();
  const rss = new RssSampler();
  const summary = createSummary();
  const collector = new ResourceCollector(summary, options);
  try {
    if (isResourceList(input)) {
      collector.add(input);
    } else {
      const files = await listInputFiles(typeof input === 'string' ? [input] : input, summary);
      await readFiles(files, collector, options.onProgress, rss);
    }
  } finally {
    summary.elapsedMs = performance.now() - started;
    summary.peakRssMb = rss.stop();
  }
  return { resources: collector.resources, origins: collector.origins, summary };
}

export type LoadPatientRecordsOptions = LoadOptions;

/** Loads input and assembles one PatientRecord per Patient; the summary covers both steps, time and peak RSS. */
export async function loadPatientRecords(
  input: LoadInput,
  options: LoadPatientRecordsOptions = {},
): Promise<{ records: PatientRecord[]; summary: LoadSummary }> {
  const started = performance.now();
  const rss = new RssSampler();
  try {
    const loaded = await loadResources(input, options);
    const { records, summary } = assembleRecords(loaded.resources, { origins: loaded.origins, summary: loaded.summary });
    summary.elapsedMs = performance.now() - started;
    summary.peakRssMb = Math.max(rss.stop(), loaded.summary.peakRssMb ?? 0);
    return { records, summary };
  } finally {
    rss.stop();
  }
}

function isResourceList(input: LoadInput): input is readonly Resource[] {
  return Array.isArray(input) && input.some((item: unknown) => typeof item !== 'string');
}

/** Expands folders (recursively, sorted for a stable order) to the FHIR files inside them. */
async function listInputFiles(paths: readonly string[], summary: LoadSummary): Promise<string[]> {
  const files: string[] = [];
  for (const inputPath of paths) {
    let stat;
    try {
      stat = await fs.stat(inputPath);
    } catch (error) {
      addIssue(summary, { severity: 'error', file: inputPath, message: `cannot read input: ${errorMessage(error)}` });
      continue;
    }
    if (stat.isDirectory()) {
      const inside = await listFolder(inputPath, summary);
      if (inside.length === 0) {
        addIssue(summary, { severity: 'warning', file: inputPath, message: 'folder holds no .json/.ndjson(.gz) files' });
      }
      files.push(...inside);
    } else {
      files.push(inputPath);
    }
  }
  return files;
}

async function listFolder(folder: string, summary: LoadSummary, visited = new Set<string>()): Promise<string[]> {
  let entries;
  try {
    // A folder reached twice through symbolic links is listed once (a link loop must not recurse forever).
    const real = await fs.realpath(folder);
    if (visited.has(real)) return [];
    visited.add(real);
    entries = await fs.readdir(folder, { withFileTypes: true });
  } catch (error) {
    addIssue(summary, { severity: 'error', file: folder, message: `cannot list folder: ${errorMessage(error)}` });
    return [];
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const files: string[] = [];
  for (const entry of entries) {
    const full = path.join(folder, entry.name);
    let isDirectory = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      // A data folder assembled from links (e.g. one population picked from several) reads like files.
      try {
        const target = await fs.stat(full);
        isDirectory = target.isDirectory();
        isFile = target.isFile();
      } catch (error) {
        if (INPUT_FILE.test(entry.name)) {
          addIssue(summary, { severity: 'error', file: full, message: `broken symbolic link: ${errorMessage(error)}` });
        }
        continue;
      }
    }
    if (isDirectory) files.push(...(await listFolder(full, summary, visited)));
    else if (isFile && INPUT_FILE.test(entry.name)) files.push(full);
  }
  return files;
}

type FileText = { ok: true; text: string } | { ok: false; message: string };

/**
 * Reads files in order. While one JSON file is parsed (main thread), the next one is read and gunzipped
 * (libuv thread pool), which keeps both cores busy.
 */
async function readFiles(
  files: readonly string[],
  collector: ResourceCollector,
  onProgress: LoadOptions['onProgress'],
  rss: RssSampler,
): Promise<void> {
  const summary = collector.summary;
  const startReading = (index: number): Promise<FileText> | undefined =>
    index < files.length && !NDJSON_FILE.test(files[index]) ? readJsonText(files[index]) : undefined;
  // Invariant: `ahead` is the read already started for files[index], if that file is JSON.
  let ahead = startReading(0);

  for (let index = 0; index < files.length; index += 1) {
    const file = files[index];
    summary.files += 1;
    const current = ahead;
    if (current === undefined) {
      await readNdjson(file, collector);
      ahead = startReading(index + 1);
    } else {
      ahead = startReading(index + 1);
      const read = await current;
      if (read.ok) parseJsonFile(read.text, file, collector);
      else addIssue(summary, { severity: 'error', file, message: read.message });
    }
    rss.sample();
    onProgress?.(index + 1, files.length, {
      filesDone: index + 1,
      filesTotal: files.length,
      resources: summary.resources,
      file,
    });
  }
}

/** Reads a JSON file as text, gunzipping it when it starts with the gzip magic bytes. Never rejects. */
async function readJsonText(file: string): Promise<FileText> {
  try {
    let bytes: Buffer = await fs.readFile(file);
    if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
      try {
        bytes = await gunzip(bytes);
      } catch (error) {
        return { ok: false, message: `cannot gunzip: ${errorMessage(error)}` };
      }
    }
    return { ok: true, text: bytes.toString('utf8') };
  } catch (error) {
    return { ok: false, message: `cannot read file: ${errorMessage(error)}` };
  }
}

function parseJsonFile(text: string, file: string, collector: ResourceCollector): void {
  let value: unknown;
  try {
    value = JSON.parse(stripBom(text));
  } catch (error) {
    collector.summary.skipped += 1;
    addIssue(collector.summary, {
      severity: 'error',
      file,
      message: `invalid JSON, file skipped (truncated or not JSON?): ${errorMessage(error)}`,
    });
    return;
  }
  collector.add(value, { file });
}

/** Streams NDJSON line by line (readline over gunzip), so a bulk-export file is never held whole. */
async function readNdjson(file: string, collector: ResourceCollector): Promise<void> {
  const summary = collector.summary;
  const source = createReadStream(file);
  let input: NodeJS.ReadableStream = source;
  if (/\.gz$/i.test(file)) {
    const unzip = zlib.createGunzip();
    // pipeline forwards a read error to the gunzip stream, and from there to the readline loop below.
    pipeline(source, unzip, () => undefined);
    input = unzip;
  }
  const lines = readline.createInterface({ input, crlfDelay: Infinity });
  let lineNumber = 0;
  try {
    for await (const rawLine of lines) {
      lineNumber += 1;
      const line = lineNumber === 1 ? stripBom(rawLine) : rawLine;
      if (!line.trim()) continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (error) {
        summary.skipped += 1;
        addIssue(summary, {
          severity: 'error',
          file,
          message: `line ${lineNumber}: invalid JSON, line skipped: ${errorMessage(error)}`,
        });
        continue;
      }
      collector.add(value, { file, line: lineNumber });
    }
  } catch (error) {
    addIssue(summary, {
      severity: 'error',
      file,
      message: `reading stopped after line ${lineNumber}: ${errorMessage(error)}`,
    });
  } finally {
    lines.close();
    source.destroy();
  }
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
