/**
 * Until when an order's supply lasts, from its dates only: `dispenseRequest.validityPeriod.end`, else the
 * validity start (or `authoredOn`) plus `expectedSupplyDuration` for the first fill and each repeat allowed.
 * Never from `status`: in exported data that is the status at export time, not at the visit being replayed.
 *
 * `dispenseRequest` is only checked to be an object when a resource is loaded (src/fhir/shape.ts), so every
 * field is read defensively here: a malformed one gives "unknown", never an exception.
 */
import type { MedicationOrder } from '../fhir/types';

const DAY_MS = 86_400_000;

/** UCUM codes and the unit words FHIR sources write, in days. Months and years at their mean lengths. */
const DAYS_PER_UNIT: Record<string, number> = {
  s: 1 / 86_400, min: 1 / 1_440, h: 1 / 24, d: 1, wk: 7, mo: 30.4375, a: 365.25,
  second: 1 / 86_400, seconds: 1 / 86_400, minute: 1 / 1_440, minutes: 1 / 1_440, hour: 1 / 24, hours: 1 / 24,
  day: 1, days: 1, week: 7, weeks: 7, month: 30.4375, months: 30.4375, year: 365.25, years: 365.25,
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function timeOf(value: unknown): number | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
}

/** A Duration as days, or undefined when its value or unit is missing, negative or unknown. */
export function durationDays(duration: unknown): number | undefined {
  if (!isRecord(duration) || typeof duration.value !== 'number' || !Number.isFinite(duration.value) || duration.value < 0) {
    return undefined;
  }
  const unit = [duration.code, duration.unit].find((u): u is string => typeof u === 'string' && u.trim() !== '');
  const perUnit = unit === undefined ? undefined : DAYS_PER_UNIT[unit.trim().toLowerCase()] ?? DAYS_PER_UNIT[unit.trim()];
  return perUnit === undefined ? undefined : duration.value * perUnit;
}

/** The time (ms since the epoch) the order's supply ends, or undefined when its dates do not say. */
export function supplyEnd(order: MedicationOrder): number | undefined {
  const dispense: unknown = order.resource?.dispenseRequest;
  if (!isRecord(dispense)) return undefined;
  const validity = isRecord(dispense.validityPeriod) ? dispense.validityPeriod : undefined;
  const end = timeOf(validity?.end);
  if (end !== undefined) return end;
  const days = durationDays(dispense.expectedSupplyDuration);
  const start = timeOf(validity?.start) ?? timeOf(order.authoredOn);
  if (days === undefined || start === undefined) return undefined;
  const repeats = typeof dispense.numberOfRepeatsAllowed === 'number' && dispense.numberOfRepeatsAllowed > 0 ? Math.floor(dispense.numberOfRepeatsAllowed) : 0;
  return start + days * (1 + repeats) * DAY_MS;
}
