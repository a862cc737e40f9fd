/** Building, extending and printing a LoadSummary. */
import type { LoadIssue, LoadSummary } from './types';

/** Issues kept in a summary; past this only `issuesOmitted` grows, so a broken export cannot exhaust memory. */
export const MAX_KEPT_ISSUES = 1000;

export function createSummary(): LoadSummary {
  return { files: 0, resources: 0, byType: {}, skipped: 0, unresolvedReferences: 0, externalReferences: 0, issues: [] };
}

export function addIssue(summary: LoadSummary, issue: LoadIssue): void {
  if (summary.issues.length < MAX_KEPT_ISSUES) {
    summary.issues.push(issue);
  } else {
    summary.issuesOmitted = (summary.issuesOmitted ?? 0) + 1;
  }
}

/** Where an issue happened, as "file: Type/id". */
export function describeIssueSource(issue: LoadIssue): string {
  const parts: string[] = [];
  if (issue.file) parts.push(issue.file);
  if (issue.resourceType || issue.resourceId) {
    parts.push(`${issue.resourceType ?? 'resource'}/${issue.resourceId ?? '(no id)'}`);
  }
  return parts.join(': ');
}

export function formatIssue(issue: LoadIssue): string {
  const source = describeIssueSource(issue);
  return `${issue.severity}: ${source ? `${source}: ` : ''}${issue.message}`;
}

export interface FormatSummaryOptions {
  /** How many issues to list under the summary line (default 3). */
  maxIssues?: number;
  /** How many resource types to name in the counts (default 6, largest first). */
  maxTypes?: number;
}

/**
 * A one-line account of a load, followed by up to `maxIssues` issue lines, e.g.
 * "loaded 615 files, 270000 resources (Observation 88674, ...); skipped 0; unresolved references 0; 0 errors,
 * 0 warnings; 615 patients; 9.8 s, peak RSS 700 MB".
 */
export function formatSummary(summary: LoadSummary, options: FormatSummaryOptions = {}): string {
  const maxIssues = options.maxIssues ?? 3;
  const maxTypes = options.maxTypes ?? 6;
  const types = Object.entries(summary.byType).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const shownTypes = types.slice(0, maxTypes).map(([type, count]) => `${type} ${count}`);
  if (types.length > maxTypes) shownTypes.push(`${types.length - maxTypes} more types`);

  const errors = summary.issues.filter((issue) => issue.severity === 'error').length;
  const warnings = summary.issues.length - errors;
  const parts = [
    `loaded ${summary.files} file${summary.files === 1 ? '' : 's'}, ${summary.resources} resources` +
      (shownTypes.length ? ` (${shownTypes.join(', ')})` : ''),
  ];
  if (summary.dropped !== undefined) parts.push(`dropped ${summary.dropped} not needed`);
  parts.push(`skipped ${summary.skipped}`);
  if (summary.syntheticIds) parts.push(`${summary.syntheticIds} without id kept under a synthetic id`);
  parts.push(`unresolved references ${summary.unresolvedReferences}`);
  parts.push(`external references ${summary.externalReferences}`);
  const malformed = Object.entries(summary.malformedFields ?? {}).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  if (malformed.length > 0) {
    const total = malformed.reduce((sum, [, count]) => sum + count, 0);
    const named = malformed.slice(0, 3).map(([field, count]) => `${field} ${count}`);
    if (malformed.length > 3) named.push(`${malformed.length - 3} more fields`);
    parts.push(`malformed fields dropped ${total} (${named.join(', ')})`);
  }
  let issueCounts = `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`;
  if (summary.issuesOmitted) issueCounts += ` (+${summary.issuesOmitted} more issues not kept)`;
  parts.push(issueCounts);
  if (summary.patients !== undefined) parts.push(`${summary.patients} patients`);
  const cost: string[] = [];
  if (summary.elapsedMs !== undefined) cost.push(`${(summary.elapsedMs / 1000).toFixed(1)} s`);
  if (summary.peakRssMb !== undefined) cost.push(`peak RSS ${Math.round(summary.peakRssMb)} MB`);
  if (cost.length) parts.push(cost.join(', '));

  const lines = [parts.join('; ')];
  for (const issue of summary.issues.slice(0, maxIssues)) lines.push(`  ${formatIssue(issue)}`);
  const notListed = summary.issues.length + (summary.issuesOmitted ?? 0) - Math.min(maxIssues, summary.issues.length);
  if (notListed > 0 && maxIssues > 0) lines.push(`  ... and ${notListed} more`);
  return lines.join('\n');
}

/** Samples the process RSS (on demand and every `intervalMs`) and remembers the highest value. */
export class RssSampler {
  private peakBytes = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(intervalMs = 100) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    // Sampling must never keep the process alive.
    this.timer.unref();
  }

  sample(): void {
    const rss = process.memoryUsage.rss();
    if (rss > this.peakBytes) this.peakBytes = rss;
  }

  /** Stops sampling and returns the peak in MiB. */
  stop(): number {
    this.sample();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    return this.peakBytes / (1024 * 1024);
  }
}
