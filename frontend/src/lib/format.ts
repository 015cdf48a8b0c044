// Display helpers: human type names, dates, values, initials. Pure functions.

import { readableUnit } from './units';

const TYPE_LABELS: Record<string, string> = {
  Observation: 'Observations & results',
  MedicationRequest: 'Medications',
  MedicationStatement: 'Medication statements',
  MedicationAdministration: 'Medications given',
  MedicationDispense: 'Medications dispensed',
  Medication: 'Medication products',
  Condition: 'Conditions',
  AllergyIntolerance: 'Allergies',
  Immunization: 'Immunizations',
  Procedure: 'Procedures',
  Encounter: 'Visits',
  DiagnosticReport: 'Reports',
  DocumentReference: 'Documents',
  CarePlan: 'Care plans',
  CareTeam: 'Care teams',
  Claim: 'Claims',
  ExplanationOfBenefit: 'Insurance statements',
  Coverage: 'Insurance coverage',
  Patient: 'Patient details',
  Practitioner: 'Clinicians',
  PractitionerRole: 'Clinician roles',
  Organization: 'Organizations',
  Location: 'Places',
  Device: 'Devices',
  ImagingStudy: 'Imaging studies',
  Goal: 'Goals',
  ServiceRequest: 'Referrals & orders',
  FamilyMemberHistory: 'Family history',
  Provenance: 'Provenance',
  SupplyDelivery: 'Supplies',
  QuestionnaireResponse: 'Questionnaires',
  Appointment: 'Appointments',
  Binary: 'Attachments',
};

const SINGULAR: Record<string, string> = {
  Observation: 'Result',
  MedicationRequest: 'Medication',
  MedicationStatement: 'Medication',
  MedicationAdministration: 'Medication given',
  MedicationDispense: 'Medication dispensed',
  Medication: 'Medication product',
  Procedure: 'Procedure',
  Goal: 'Goal',
  CareTeam: 'Care team',
  Coverage: 'Insurance coverage',
  Practitioner: 'Clinician',
  PractitionerRole: 'Clinician role',
  Organization: 'Organization',
  Location: 'Place',
  Device: 'Device',
  ImagingStudy: 'Imaging study',
  ServiceRequest: 'Referral or order',
  FamilyMemberHistory: 'Family history',
  QuestionnaireResponse: 'Questionnaire',
  Appointment: 'Appointment',
  SupplyDelivery: 'Supply',
  Binary: 'Attachment',
  Condition: 'Condition',
  AllergyIntolerance: 'Allergy',
  Immunization: 'Immunization',
  Encounter: 'Visit',
  DiagnosticReport: 'Report',
  DocumentReference: 'Document',
  CarePlan: 'Care plan',
  Claim: 'Claim',
  ExplanationOfBenefit: 'Insurance statement',
  Patient: 'Patient details',
};

// The order type chips always appear in, whatever a person's counts: the same
// button in the same place for everyone in the family. Unknown types follow,
// alphabetically by their label.
const TYPE_ORDER = [
  'Condition', 'MedicationRequest', 'AllergyIntolerance', 'Immunization', 'Observation', 'DiagnosticReport',
  'Encounter', 'Procedure', 'CarePlan', 'Goal', 'DocumentReference', 'ImagingStudy', 'Device', 'CareTeam',
  'MedicationStatement', 'MedicationAdministration', 'MedicationDispense', 'Medication', 'ServiceRequest',
  'FamilyMemberHistory', 'Appointment', 'QuestionnaireResponse', 'Claim', 'ExplanationOfBenefit', 'Coverage',
  'Patient', 'Practitioner', 'PractitionerRole', 'Organization', 'Location', 'SupplyDelivery', 'Provenance', 'Binary',
];

/** Sorts resource types into the fixed display order (stable across people). */
export function sortTypes<T extends { resourceType: string }>(list: T[]): T[] {
  const rank = (t: string) => {
    const i = TYPE_ORDER.indexOf(t);
    return i < 0 ? TYPE_ORDER.length : i;
  };
  return [...list].sort(
    (a, b) => rank(a.resourceType) - rank(b.resourceType) || typeLabel(a.resourceType).localeCompare(typeLabel(b.resourceType)),
  );
}

/** "MedicationRequest" → "Medications"; unknown types are split into words. */
export function typeLabel(resourceType: string): string {
  return TYPE_LABELS[resourceType] ?? splitCamel(resourceType);
}

/** The singular, used for a single record's badge. */
export function typeLabelSingular(resourceType: string): string {
  return SINGULAR[resourceType] ?? splitCamel(resourceType);
}

// Observation categories (the FHIR observation-category codes) as a family
// would name them.
const OBSERVATION_KINDS: Record<string, string> = {
  laboratory: 'Lab result',
  'vital-signs': 'Vital sign',
  'social-history': 'Social history',
  survey: 'Questionnaire answer',
  imaging: 'Imaging result',
  exam: 'Exam finding',
  procedure: 'Procedure result',
  therapy: 'Therapy',
  activity: 'Activity',
};

// DiagnosticReport categories (HL7 v2 diagnostic service sections, and the
// LOINC document classes Synthea uses) as a family would name them.
const REPORT_KINDS: Record<string, string> = {
  LAB: 'Lab report',
  RAD: 'Imaging report',
  '34117-2': 'Visit note',
  '51847-2': 'Assessment',
  '11488-4': 'Consult note',
  '18842-5': 'Discharge summary',
};

/**
 * What one record is, in plain words, using its category where that says more
 * than the type: an Observation in "laboratory" is a "Lab result", one in
 * "vital-signs" a "Vital sign".
 */
export function kindLabel(resourceType: string, category?: string | null): string {
  const c = (category ?? '').trim();
  if (resourceType === 'Observation' && c) return OBSERVATION_KINDS[c] ?? OBSERVATION_KINDS[c.toLowerCase()] ?? 'Result';
  if (resourceType === 'DiagnosticReport' && c) return REPORT_KINDS[c] ?? REPORT_KINDS[c.toUpperCase()] ?? 'Report';
  return typeLabelSingular(resourceType);
}

function splitCamel(s: string): string {
  if (!s) return 'Records';
  const words = s.replace(/([a-z])([A-Z])/g, '$1 $2');
  return words.charAt(0).toUpperCase() + words.slice(1).toLowerCase();
}

const DATE_ONLY = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/;

/**
 * FHIR dates come as "2020", "2020-05", "2020-05-17" or full instants.
 * Partial dates are shown with only the precision they have; plain dates are
 * not shifted by the time zone.
 */
export function formatDate(value: string | null | undefined, locale?: string, timeZone?: string): string {
  if (!value) return '';
  const m = DATE_ONLY.exec(value.trim());
  if (m) {
    const [, y, mo, d] = m;
    if (!mo) return y;
    const date = new Date(Date.UTC(+y, +mo - 1, d ? +d : 1));
    const opts: Intl.DateTimeFormatOptions = d
      ? { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' }
      : { year: 'numeric', month: 'short', timeZone: 'UTC' };
    return new Intl.DateTimeFormat(locale, opts).format(date);
  }
  const t = Date.parse(value);
  if (Number.isNaN(t)) return value;
  // An instant is shown on the calendar day it was in the person's time zone.
  return new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', day: 'numeric', timeZone }).format(new Date(t));
}

/** A full timestamp with time of day (for "received"). */
export function formatDateTime(value: string | null | undefined, locale?: string, timeZone?: string): string {
  if (!value) return '';
  if (DATE_ONLY.test(value.trim())) return formatDate(value, locale);
  const t = Date.parse(value);
  if (Number.isNaN(t)) return value;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(new Date(t));
}

/** "2019-03-01" – "2020" style ranges; an open end reads "since". */
export function formatDateRange(start: string, end: string, locale?: string): string {
  const a = formatDate(start, locale);
  const b = formatDate(end, locale);
  if (a && b && a !== b) return `${a} – ${b}`;
  return a || b;
}

export interface ValueLike {
  // Go omits an absent number (records.Item.valueNum is optional); older payloads sent null.
  valueNum?: number | null;
  valueText?: string;
  unit?: string;
  /** The observation's code (LOINC), so "/min" on a heart rate reads "beats/min". */
  code?: string;
}

/**
 * A measured number as the source meant it: float noise from exporters
 * (98.28800000000001) is dropped and at most 4 decimals are shown; a number
 * the source wrote with fewer decimals keeps exactly those.
 */
export function formatNumber(n: number, locale?: string, maxDecimals = 4): string {
  if (!Number.isFinite(n)) return '';
  // toPrecision(12) removes binary noise before deciding how many decimals are real.
  const clean = Number(n.toPrecision(12));
  return new Intl.NumberFormat(locale, { maximumFractionDigits: maxDecimals }).format(clean);
}

/** Numeric value (see formatNumber) with its readable unit, else the text value. */
export function formatValue(item: ValueLike, locale?: string): string {
  const unit = readableUnit(item.unit ?? '', item.code);
  if (item.valueNum !== null && item.valueNum !== undefined && Number.isFinite(item.valueNum)) {
    const n = formatNumber(item.valueNum, locale);
    return withUnit(n, unit);
  }
  // A coded result's text is its code's display: without the SNOMED tag
  // ("Cloudy urine (finding)" reads "Cloudy urine"), like every display.
  const text = cleanDisplay(item.valueText);
  if (!text) return '';
  return unit && !text.endsWith(unit) ? withUnit(text, unit) : text;
}

/** "98 %" reads "98%", and "37 °C" reads "37 °C". */
export function withUnit(n: string, unit: string): string {
  if (!unit) return n;
  return unit === '%' ? `${n}%` : `${n} ${unit}`;
}

/** Kept for callers that only tidy a unit: same as readableUnit. */
export function prettyUnit(unit: string, code?: string): string {
  return readableUnit(unit, code);
}

/** { value: 98.28800000000001, currency: "USD" } → "$98.29" in the person's locale. */
export function formatMoney(value: number, currency?: string, locale?: string): string {
  if (!Number.isFinite(value)) return '';
  const cur = (currency ?? '').trim().toUpperCase();
  if (/^[A-Z]{3}$/.test(cur)) {
    try {
      return new Intl.NumberFormat(locale, { style: 'currency', currency: cur }).format(value);
    } catch {
      /* an unknown currency code: fall through to a plain number */
    }
  }
  const n = new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(value);
  return cur ? `${n} ${cur}` : n;
}

// SNOMED CT fully specified names end in a semantic tag: "Hypertension
// (disorder)". The tag is for terminologists; a family reads "Hypertension".
const SEMANTIC_TAG =
  /\s*\((?:disorder|finding|procedure|situation|observable entity|regime\/therapy|substance|product|qualifier value|body structure|morphologic abnormality|event|person|occupation|record artifact|physical object|environment|assessment scale|medicinal product|medicinal product form|clinical drug|organism|specimen|social concept|staging scale|attribute|disposition|role|life style|racial group|ethnic group|navigational concept|environment \/ location|geographic location|cell|cell structure|physical force|special concept|linkage concept|tumor staging|namespace concept|foundation metadata concept|core metadata concept|religion\/philosophy)\)\s*$/i;

/** "Hypertension (disorder)" → "Hypertension"; anything else unchanged. */
export function cleanDisplay(display: string | null | undefined): string {
  const s = (display ?? '').trim();
  const out = s.replace(SEMANTIC_TAG, '').trim();
  return out || s;
}

/**
 * A sensitive identifier with all but its last four characters hidden, in the
 * shape of the original: "123-45-6789" → "•••-••-6789".
 */
export function maskIdentifier(value: string): string {
  const chars = [...value];
  let keep = 4;
  for (let i = chars.length - 1; i >= 0; i--) {
    if (/[A-Za-z0-9]/.test(chars[i])) {
      if (keep > 0) keep--;
      else chars[i] = '•';
    }
  }
  // Four characters or fewer would be shown whole: hide them all instead.
  if (value.replace(/[^A-Za-z0-9]/g, '').length <= 4) return '••••';
  return chars.join('');
}

/** "Ada Lovelace" → "AL", "cher" → "C", "" → "?". */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return '?';
  const first = [...words[0]][0] ?? '';
  const last = words.length > 1 ? ([...words[words.length - 1]][0] ?? '') : '';
  return (first + last).toUpperCase();
}

/** Synthea names carry digits ("Ana972 Ruiz428"): suggest the name without them. */
export function cleanPatientName(name: string): string {
  return fitName(name.replace(/\d+/g, '').replace(/\s+/g, ' ').trim());
}

/** The longest name a person may have, in UTF-8 bytes (Go's records.AddPerson refuses longer). */
export const MAX_NAME_BYTES = 200;

/**
 * A suggested name cut to MAX_NAME_BYTES, at a word break where there is one,
 * so a record with an absurdly long name can still be assigned in one click.
 */
export function fitName(name: string): string {
  const enc = new TextEncoder();
  if (enc.encode(name).length <= MAX_NAME_BYTES) return name;
  let out = '';
  for (const ch of name) {
    if (enc.encode(out + ch).length > MAX_NAME_BYTES) break;
    out += ch;
  }
  const space = out.lastIndexOf(' ');
  return (space > MAX_NAME_BYTES / 2 ? out.slice(0, space) : out).trim();
}

export function plural(n: number, one: string, many?: string): string {
  const fmt = new Intl.NumberFormat().format(n);
  return `${fmt} ${n === 1 ? one : (many ?? one + 's')}`;
}

export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '';
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${new Intl.NumberFormat(undefined, { maximumFractionDigits: v < 10 ? 1 : 0 }).format(v)} ${units[i]}`;
}

/** Percentage 0–100 for a progress bar; never NaN. */
export function percent(done: number, total: number): number {
  if (!total || total <= 0) return 0;
  return Math.max(0, Math.min(100, Math.round((done / total) * 100)));
}

/** Status codes are lower-case FHIR codes ("active", "entered-in-error"). */
export function formatStatus(status: string): string {
  if (!status) return '';
  const s = status.replace(/[-_]/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * Whether a record's status tells a family something on a list line. The
 * usual state of a kind of record says nothing ("Current" on every
 * document, "Final" on every report, "Finished" on every past visit) and
 * only crowds the line; results show their value instead.
 */
export function statusWorthShowing(resourceType: string, status: string): boolean {
  if (!status || resourceType === 'Observation') return false;
  const usual: Record<string, string[]> = {
    DocumentReference: ['current'],
    DiagnosticReport: ['final'],
    Encounter: ['finished'],
    Procedure: ['completed'],
    Immunization: ['completed'],
  };
  return !(usual[resourceType] ?? []).includes(status);
}

/** Last path segment of a file path, for reports. */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] || path;
}

/** A time Go sent, as a Date; Go's zero time (what it sends for "never") and junk are null. */
export function goTime(t: unknown): Date | null {
  if (typeof t !== 'string' || t.startsWith('0001-')) return null;
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? null : d;
}
