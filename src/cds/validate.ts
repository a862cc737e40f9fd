/**
 * Request validation with ajv against the JSON Schemas in ./schemas (the CDS Hooks request envelope, the
 * feedback body) and each hook's own context schema (hooks/*.ts). Failures become HttpProblems whose
 * OperationOutcome names each wrong field; nothing here throws anything else for any input.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import requestSchema from './schemas/cds-request.schema.json';
import definitionsSchema from './schemas/definitions.schema.json';
import feedbackSchema from './schemas/feedback.schema.json';
import { HttpProblem, type Problem } from './operation-outcome';
import type { CdsRequest, FeedbackEntry, ServiceDefinition } from './types';

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
ajv.addSchema(definitionsSchema);

const validateEnvelope = ajv.compile(requestSchema);
const validateFeedbackBody = ajv.compile(feedbackSchema);
/** The validator of a hook's context schema (hooks/*.ts), compiled once and kept by ajv under its $id. */
function contextValidator(service: ServiceDefinition): ValidateFunction {
  const id = typeof service.contextSchema.$id === 'string' ? service.contextSchema.$id : undefined;
  return (id ? ajv.getSchema(id) : undefined) ?? ajv.compile(service.contextSchema);
}

/** "/context/draftOrders/entry/0" + "missingProperty: resource" → "context.draftOrders.entry[0].resource". */
function location(prefix: string, error: ErrorObject): string {
  const parts = error.instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  const missing = (error.params as { missingProperty?: string }).missingProperty;
  if (missing !== undefined) parts.push(missing);
  let path = prefix;
  for (const part of parts) path += /^\d+$/.test(part) ? `[${part}]` : path ? `.${part}` : part;
  return path || '(body)';
}

/** Ajv's errors as problems, without the noise of failed anyOf/if branches when a clearer error exists. */
function problemsOf(errors: ErrorObject[] | null | undefined, prefix: string): Problem[] {
  const all = errors ?? [];
  const specific = all.filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'if');
  const chosen = specific.length > 0 ? specific : all;
  const seen = new Set<string>();
  const problems: Problem[] = [];
  for (const error of chosen) {
    const where = location(prefix, error);
    const diagnostics = error.keyword === 'required' ? `${where} is required` : `${where} ${error.message ?? 'is invalid'}`;
    if (seen.has(diagnostics)) continue;
    seen.add(diagnostics);
    problems.push({ code: error.keyword === 'required' ? 'required' : 'structure', diagnostics, expression: where });
  }
  return problems;
}

/** Checks a service call body for `service`; returns it typed, or throws a 400 HttpProblem. */
export function validateServiceRequest(body: unknown, service: ServiceDefinition): CdsRequest {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new HttpProblem(400, [{ code: 'structure', diagnostics: 'the request body must be a JSON object (Content-Type: application/json)' }]);
  }
  if (!validateEnvelope(body)) throw new HttpProblem(400, problemsOf(validateEnvelope.errors, ''));
  const request = body as unknown as CdsRequest;
  if (request.hook !== service.hook) {
    throw new HttpProblem(400, [
      {
        code: 'value',
        diagnostics: `hook "${request.hook}" does not match service "${service.id}", which answers "${service.hook}"`,
        expression: 'hook',
      },
    ]);
  }
  const validateContext = contextValidator(service);
  if (!validateContext(request.context)) throw new HttpProblem(400, problemsOf(validateContext.errors, 'context'));
  return request;
}

interface RawOverrideReason {
  reason?: { code: string; system?: string; display?: string };
  userComment?: string;
}
type RawFeedback = Omit<FeedbackEntry, 'overrideReason'> & {
  overrideReason?: RawOverrideReason;
  overrideReasons?: RawOverrideReason | (RawOverrideReason | { code: string; system?: string; display?: string })[];
};

/** Epic's `overrideReasons` (object, list of reasons or list of Codings) folded into the spec's `overrideReason`. */
function foldOverrideReason(entry: RawFeedback): RawOverrideReason | undefined {
  if (entry.overrideReason) return entry.overrideReason;
  const alt = entry.overrideReasons;
  if (alt === undefined) return undefined;
  const first = Array.isArray(alt) ? alt[0] : alt;
  if (first === undefined) return undefined;
  return 'code' in first ? { reason: first } : first;
}

/** Checks a feedback body; returns entries in the spec's shape, or throws a 400 HttpProblem. */
export function validateFeedback(body: unknown): FeedbackEntry[] {
  if (!validateFeedbackBody(body)) {
    if (body === undefined || body === null || typeof body !== 'object') {
      throw new HttpProblem(400, [{ code: 'structure', diagnostics: 'the request body must be a JSON object with a "feedback" array' }]);
    }
    throw new HttpProblem(400, problemsOf(validateFeedbackBody.errors, ''));
  }
  return (body as { feedback: RawFeedback[] }).feedback.map((entry) => {
    const overrideReason = foldOverrideReason(entry);
    return {
      card: entry.card,
      outcome: entry.outcome,
      ...(entry.acceptedSuggestions ? { acceptedSuggestions: entry.acceptedSuggestions.map((s) => ({ id: s.id })) } : {}),
      ...(overrideReason ? { overrideReason } : {}),
      ...(entry.outcomeTimestamp ? { outcomeTimestamp: entry.outcomeTimestamp } : {}),
    };
  });
}
