// Display helpers: human type names, dates, values, initials. Pure functions.

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
  Observation: 'Observation',
  MedicationRequest: 'Medication',
  Condition: 'Condition',
  AllergyIntolerance: 'Allergy',
  Immunization: 'Immunization',
  Procedure: 'Procedure',
  Encounter: 'Visit',
  DiagnosticReport: 'Report',
  DocumentReference: 'Document',
  CarePlan: 'Care plan',
  Claim: 'Claim',
  ExplanationOfBenefit: 'Insurance statement',
  Patient: 'Patient details',
};

/** "MedicationRequest" → "Medications"; unknown types are split into words. */
export function typeLabel(resourceType: string): string {
  return TYPE_LABELS[resourceType] ?? splitCamel(resourceType);
}

/** The singular, used for a single record's badge. */
export function typeLabelSingular(resourceType: string): string {
  return SINGULAR[resourceType] ?? splitCamel(resourceType);
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
export function formatDate(value: string | null | undefined, locale?: string): string {
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
  return new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', day: 'numeric' }).format(new Date(t));
}

/** A full timestamp with time of day (for "received"). */
export function formatDateTime(value: string | null | undefined, locale?: string): string {
  if (!value) return '';
  if (DATE_ONLY.test(value.trim())) return formatDate(value, locale);
  const t = Date.parse(value);
  if (Number.isNaN(t)) return value;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(t));
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
}

/** Numeric value with at most 2 decimals plus unit, else the text value. */
export function formatValue(item: ValueLike, locale?: string): string {
  if (item.valueNum !== null && item.valueNum !== undefined && Number.isFinite(item.valueNum)) {
    const n = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(item.valueNum);
    const unit = prettyUnit(item.unit ?? '');
    return unit ? (unit === '%' ? `${n}%` : `${n} ${unit}`) : n;
  }
  const text = (item.valueText ?? '').trim();
  if (!text) return '';
  const unit = prettyUnit(item.unit ?? '');
  return unit && !text.endsWith(unit) ? `${text} ${unit}` : text;
}

/** UCUM curly-brace annotations ("{beats}/min") read badly: drop the braces. */
export function prettyUnit(unit: string): string {
  return unit.replace(/\{([^}]*)\}/g, '$1').trim();
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
  return name.replace(/\d+/g, '').replace(/\s+/g, ' ').trim();
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

/** Last path segment of a file path, for reports. */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] || path;
}
