/** Error answers as FHIR OperationOutcome: every 4xx body says what was wrong, in words and in a FHIRPath-ish
 * location, so that an integrator can fix the request without reading our logs. */
import type { OperationOutcome, OperationOutcomeIssue } from 'fhir/r4';

export type IssueCode = OperationOutcomeIssue['code'];

export interface Problem {
  code: IssueCode;
  diagnostics: string;
  /** Where in the request, e.g. "context.patientId". */
  expression?: string;
}

export function operationOutcome(problems: Problem[], severity: OperationOutcomeIssue['severity'] = 'error'): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: problems.map((problem) => ({
      severity,
      code: problem.code,
      diagnostics: problem.diagnostics,
      ...(problem.expression ? { expression: [problem.expression] } : {}),
    })),
  };
}

/** An HTTP error answer: status and OperationOutcome body. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly problems: Problem[],
  ) {
    super(problems.map((p) => p.diagnostics).join('; '));
    this.name = 'HttpProblem';
  }

  get outcome(): OperationOutcome {
    return operationOutcome(this.problems);
  }
}
