// What arrived, in a family's words: "3 lab results", "1 vaccine". The kinds
// are Go's (records.NewKind: a resource type and, for results, a category);
// a FHIR type name never reaches the screen.

import { plural } from '../../lib/format';
import type { records } from '../../lib/wire';

const WORDS: Record<string, [string, string?]> = {
  Condition: ['condition'],
  AllergyIntolerance: ['allergy', 'allergies'],
  MedicationRequest: ['medication'],
  MedicationStatement: ['medication'],
  MedicationAdministration: ['medication given', 'medications given'],
  MedicationDispense: ['medication dispensed', 'medications dispensed'],
  Immunization: ['vaccine'],
  Encounter: ['visit'],
  Procedure: ['procedure'],
  DiagnosticReport: ['report'],
  DocumentReference: ['document'],
  CarePlan: ['care plan'],
  CareTeam: ['care team'],
  Goal: ['goal'],
  Claim: ['insurance claim'],
  ExplanationOfBenefit: ['insurance statement'],
  Coverage: ['insurance plan'],
  ImagingStudy: ['imaging study', 'imaging studies'],
  Device: ['device'],
  ServiceRequest: ['referral or order', 'referrals and orders'],
  Appointment: ['appointment'],
  Patient: ['patient record'],
};

const RESULTS: Record<string, string> = { laboratory: 'lab result', 'vital-signs': 'vital sign', imaging: 'imaging result' };

/** "2 lab results", "1 condition", "3 other records". */
export function kindText(k: Pick<records.NewKind, 'resourceType' | 'category' | 'count'>): string {
  if (k.resourceType === 'Observation') return plural(k.count, RESULTS[k.category] ?? 'result');
  const w = WORDS[k.resourceType];
  return w ? plural(k.count, w[0], w[1]) : plural(k.count, 'other record');
}

/** The kinds as one phrase, the largest first (Go's order), at most `max` named. */
export function kindsText(kinds: Pick<records.NewKind, 'resourceType' | 'category' | 'count'>[], max = 3): string {
  // Two Go kinds can read the same ("medication"): add them up.
  const merged = new Map<string, number>();
  const label = new Map<string, (n: number) => string>();
  for (const k of kinds) {
    const key = kindText({ ...k, count: 2 });
    merged.set(key, (merged.get(key) ?? 0) + k.count);
    label.set(key, (n) => kindText({ ...k, count: n }));
  }
  const parts = [...merged.entries()].map(([key, n]) => label.get(key)!(n));
  if (parts.length > max) {
    const rest = [...merged.values()].slice(max).reduce((a, b) => a + b, 0);
    return [...parts.slice(0, max), `${new Intl.NumberFormat().format(rest)} more`].join(', ');
  }
  return parts.join(', ');
}

/** One record's kind, capitalised: "Lab result", "Vaccine", "Record". */
export function kindName(resourceType: string, category: string): string {
  let w: string;
  if (resourceType === 'Observation') w = RESULTS[category] ?? 'result';
  else w = WORDS[resourceType]?.[0] ?? 'record';
  return w.charAt(0).toUpperCase() + w.slice(1);
}
