/**
 * Resource type names the loader recognises. A name outside this list is reported as an unknown
 * resource type (usually a typo or a non-FHIR JSON file), not silently dropped.
 */

/** FHIR R4 (4.0.1) resource types. */
const R4_RESOURCE_TYPES = [
  'Account', 'ActivityDefinition', 'AdverseEvent', 'AllergyIntolerance', 'Appointment', 'AppointmentResponse',
  'AuditEvent', 'Basic', 'Binary', 'BiologicallyDerivedProduct', 'BodyStructure', 'Bundle', 'CapabilityStatement',
  'CarePlan', 'CareTeam', 'CatalogEntry', 'ChargeItem', 'ChargeItemDefinition', 'Claim', 'ClaimResponse',
  'ClinicalImpression', 'CodeSystem', 'Communication', 'CommunicationRequest', 'CompartmentDefinition',
  'Composition', 'ConceptMap', 'Condition', 'Consent', 'Contract', 'Coverage', 'CoverageEligibilityRequest',
  'CoverageEligibilityResponse', 'DetectedIssue', 'Device', 'DeviceDefinition', 'DeviceMetric', 'DeviceRequest',
  'DeviceUseStatement', 'DiagnosticReport', 'DocumentManifest', 'DocumentReference', 'EffectEvidenceSynthesis',
  'Encounter', 'Endpoint', 'EnrollmentRequest', 'EnrollmentResponse', 'EpisodeOfCare', 'EventDefinition',
  'Evidence', 'EvidenceVariable', 'ExampleScenario', 'ExplanationOfBenefit', 'FamilyMemberHistory', 'Flag', 'Goal',
  'GraphDefinition', 'Group', 'GuidanceResponse', 'HealthcareService', 'ImagingStudy', 'Immunization',
  'ImmunizationEvaluation', 'ImmunizationRecommendation', 'ImplementationGuide', 'InsurancePlan', 'Invoice',
  'Library', 'Linkage', 'List', 'Location', 'Measure', 'MeasureReport', 'Media', 'Medication',
  'MedicationAdministration', 'MedicationDispense', 'MedicationKnowledge', 'MedicationRequest',
  'MedicationStatement', 'MedicinalProduct', 'MedicinalProductAuthorization', 'MedicinalProductContraindication',
  'MedicinalProductIndication', 'MedicinalProductIngredient', 'MedicinalProductInteraction',
  'MedicinalProductManufactured', 'MedicinalProductPackaged', 'MedicinalProductPharmaceutical',
  'MedicinalProductUndesirableEffect', 'MessageDefinition', 'MessageHeader', 'MolecularSequence', 'NamingSystem',
  'NutritionOrder', 'Observation', 'ObservationDefinition', 'OperationDefinition', 'OperationOutcome',
  'Organization', 'OrganizationAffiliation', 'Parameters', 'Patient', 'PaymentNotice', 'PaymentReconciliation',
  'Person', 'PlanDefinition', 'Practitioner', 'PractitionerRole', 'Procedure', 'Provenance', 'Questionnaire',
  'QuestionnaireResponse', 'RelatedPerson', 'RequestGroup', 'ResearchDefinition', 'ResearchElementDefinition',
  'ResearchStudy', 'ResearchSubject', 'RiskAssessment', 'RiskEvidenceSynthesis', 'Schedule', 'SearchParameter',
  'ServiceRequest', 'Slot', 'Specimen', 'SpecimenDefinition', 'StructureDefinition', 'StructureMap',
  'Subscription', 'Substance', 'SubstanceNucleicAcid', 'SubstancePolymer', 'SubstanceProtein',
  'SubstanceReferenceInformation', 'SubstanceSourceMaterial', 'SubstanceSpecification', 'SupplyDelivery',
  'SupplyRequest', 'Task', 'TerminologyCapabilities', 'TestReport', 'TestScript', 'ValueSet', 'VerificationResult',
  'VisionPrescription',
] as const;

/** STU3 (3.0.x) resource types that R4 renamed or removed; older exports still carry them. */
const STU3_ONLY_RESOURCE_TYPES = [
  'BodySite', 'DataElement', 'DeviceComponent', 'EligibilityRequest', 'EligibilityResponse', 'ExpansionProfile',
  'ImagingManifest', 'ProcedureRequest', 'ProcessRequest', 'ProcessResponse', 'ReferralRequest', 'Sequence',
  'ServiceDefinition',
] as const;

export const KNOWN_RESOURCE_TYPES: ReadonlySet<string> = new Set<string>([
  ...R4_RESOURCE_TYPES,
  ...STU3_ONLY_RESOURCE_TYPES,
]);

/**
 * The resource types a PatientRecord is assembled from. Everything else (Claim,
 * ExplanationOfBenefit, DiagnosticReport, ...) is counted and then dropped right after parsing,
 * which is what keeps a 720 MB input within memory.
 */
export const RECORD_RESOURCE_TYPES: ReadonlySet<string> = new Set<string>([
  'Patient',
  'Encounter',
  'Condition',
  'Procedure',
  'MedicationRequest',
  'Medication',
  'DocumentReference',
  'Binary',
  'AllergyIntolerance',
  // Only the laboratory Observations the safety checks read (fhir-mappings/lab-codes.json); the collector drops
  // the rest (vital signs, surveys, other labs) right after parsing.
  'Observation',
  // Targets of Encounter.serviceProvider / location / participant and MedicationRequest.requester: few and
  // small, kept so those references (conditional ones among them) can be resolved and counted.
  'Organization',
  'Location',
  'Practitioner',
  'PractitionerRole',
]);
