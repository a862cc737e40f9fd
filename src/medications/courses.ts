/**
 * Drugs given in courses (fhir-mappings/course-drugs.json): an order of such a drug still marked "active" long
 * after it was written is a finished course, not a current medication. Exported records keep an antibiotic
 * of decades ago "active"; read as current it hides today's indicated suggestion of the same drug (penicillin V
 * for a strep throat) and pairs with today's orders as an interaction. An order whose own dates (validity
 * period, expected supply and repeats) reach the decision is current whatever its age.
 */
import * as path from 'path';
import type { MedicationOrder } from '../fhir/types';
import { readJsonFile } from '../json-file';
import { supplyEnd } from '../lamo/supply';
import { FHIR_MAPPINGS_DIR } from '../paths';

export const DEFAULT_COURSE_DRUGS_FILE = path.join(FHIR_MAPPINGS_DIR, 'course-drugs.json');

const DAY_MS = 86_400_000;

export interface CourseClass {
  /** WHO ATC code or prefix. */
  atc: string;
  label: string;
  /** Days after authoredOn after which an order without dates reaching the decision is a finished course. */
  finishedAfterDays: number;
  why: string;
  sources: string[];
  review: string;
}

export interface CourseDrugsFile {
  description: string;
  review: string;
  sources: Record<string, string>;
  courses: CourseClass[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function validateCourseDrugs(value: unknown, file = 'course-drugs.json'): CourseDrugsFile {
  if (!isRecord(value) || !isRecord(value.sources) || !Array.isArray(value.courses)) throw new Error(`${file}: expected { description, sources, courses }`);
  const sources = value.sources;
  for (const entry of value.courses as unknown[]) {
    if (!isRecord(entry) || typeof entry.atc !== 'string' || !/^[A-Z][0-9]{2}/.test(entry.atc) || typeof entry.label !== 'string') throw new Error(`${file}: every course class needs an ATC code and a label`);
    if (typeof entry.finishedAfterDays !== 'number' || !(entry.finishedAfterDays > 0)) throw new Error(`${file}: ${entry.atc}: finishedAfterDays must be a positive number`);
    if (!Array.isArray(entry.sources) || entry.sources.length === 0 || !entry.sources.every((id) => typeof id === 'string' && id in sources)) {
      throw new Error(`${file}: ${entry.atc} must cite sources listed in "sources"`);
    }
  }
  return value as unknown as CourseDrugsFile;
}

export class CourseDrugs {
  constructor(readonly file: CourseDrugsFile) {}

  /** The course class of a drug by its ATC codes (the longest listed prefix), if it is given in courses. */
  classOf(atc: readonly string[]): CourseClass | undefined {
    const matches = this.file.courses.filter((entry) => atc.some((code) => code.startsWith(entry.atc)));
    return matches.sort((a, b) => b.atc.length - a.atc.length)[0];
  }

  /** Whether an order of a drug with these ATC codes is a finished course at `at` (ms since the epoch). */
  finished(order: MedicationOrder, atc: readonly string[], at: number): boolean {
    const course = this.classOf(atc);
    if (!course) return false;
    const end = supplyEnd(order);
    if (end !== undefined) return end < at;
    const written = Date.parse(order.authoredOn ?? '');
    return !Number.isNaN(written) && at - written > course.finishedAfterDays * DAY_MS;
  }
}

export function loadCourseDrugs(file = DEFAULT_COURSE_DRUGS_FILE): CourseDrugs {
  return new CourseDrugs(validateCourseDrugs(readJsonFile(file, 'course drug list'), file));
}
