// A record's fields as a family reads them: human labels per resource type,
// values formatted for the person's locale (numbers, units, dates, money),
// SNOMED tags dropped, sensitive identifiers masked. Built from the record's
// own JSON (records.Detail.raw); from Go only what the page cannot know: the
// names of the records references point at (records.Detail.references, keyed
// by each reference string as the record writes it).
// FHIR element names appear only in the raw-JSON view.

import { cleanDisplay, formatDate, formatDateTime, formatMoney, formatNumber, maskIdentifier, typeLabelSingular, withUnit } from './format';
import { readableUnit } from './units';
import { writtenDecimals } from './jsonprecision';

export interface ReadableField {
  label: string;
  /** What is shown; for a sensitive field, the masked form. */
  value: string;
  /** The full value of a sensitive field (shown only after Reveal). */
  secret?: string;
}

type Obj = Record<string, unknown>;
type Spec = [keys: string | string[], label: string][];

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (o: Obj, k: string): string => (typeof o[k] === 'string' ? (o[k] as string) : '');

// Per type: which elements, in what order, under which label. A key ending
// in "[x]" matches FHIR's choice elements (valueQuantity, effectiveDateTime…).
const SPECS: Record<string, Spec> = {
  Condition: [
    ['code', 'Condition'],
    ['clinicalStatus', 'Status'],
    ['onset[x]', 'Since'],
    ['recordedDate', 'Diagnosed'],
    ['abatement[x]', 'Resolved'],
    ['severity', 'Severity'],
    ['verificationStatus', 'Confirmed'],
    ['category', 'Kind'],
    ['bodySite', 'Where on the body'],
    ['asserter', 'Diagnosed by'],
    ['recorder', 'Recorded by'],
    ['encounter', 'During visit'],
    ['note', 'Notes'],
  ],
  Observation: [
    ['code', 'Test'],
    ['value[x]', 'Result'],
    ['component', 'Results'],
    ['referenceRange', 'Normal range'],
    ['interpretation', 'Interpretation'],
    ['effective[x]', 'Measured'],
    ['issued', 'Reported'],
    ['status', 'Status'],
    ['category', 'Kind'],
    ['dataAbsentReason', 'No result because'],
    ['method', 'Method'],
    ['bodySite', 'Where on the body'],
    ['specimen', 'Sample'],
    ['performer', 'Done by'],
    ['encounter', 'During visit'],
    ['note', 'Notes'],
  ],
  MedicationRequest: [
    ['medication[x]', 'Medication'],
    ['status', 'Status'],
    ['dosageInstruction', 'Dose'],
    ['authoredOn', 'Since'],
    ['requester', 'Prescribed by'],
    ['reasonCode', 'Reason'],
    ['reasonReference', 'Reason'],
    ['dispenseRequest', 'Supply'],
    ['intent', 'Kind of order'],
    ['courseOfTherapyType', 'Course'],
    ['category', 'Kind'],
    ['encounter', 'During visit'],
    ['note', 'Notes'],
  ],
  MedicationStatement: [
    ['medication[x]', 'Medication'],
    ['status', 'Status'],
    ['dosage', 'Dose'],
    ['effective[x]', 'Taken'],
    ['dateAsserted', 'Recorded'],
    ['reasonCode', 'Reason'],
    ['informationSource', 'Reported by'],
    ['note', 'Notes'],
  ],
  MedicationAdministration: [
    ['medication[x]', 'Medication'],
    ['effective[x]', 'Given'],
    ['dosage', 'Dose'],
    ['status', 'Status'],
    ['performer', 'Given by'],
    ['reasonCode', 'Reason'],
    ['context', 'During visit'],
  ],
  Encounter: [
    ['type', 'Type'],
    ['period', 'When'],
    ['location', 'Where'],
    ['serviceProvider', 'Where'],
    ['reasonCode', 'Reason'],
    ['reasonReference', 'Reason'],
    ['class', 'Setting'],
    ['participant', 'Seen by'],
    ['serviceType', 'Service'],
    ['hospitalization', 'Hospital stay'],
    ['diagnosis', 'Diagnoses'],
    ['status', 'Status'],
  ],
  Immunization: [
    ['primarySource', ''],
    ['vaccineCode', 'Vaccine'],
    ['occurrence[x]', 'Given'],
    ['status', 'Status'],
    ['doseQuantity', 'Dose'],
    ['site', 'Where on the body'],
    ['route', 'How it was given'],
    ['lotNumber', 'Lot number'],
    ['expirationDate', 'Expires'],
    ['manufacturer', 'Made by'],
    ['performer', 'Given by'],
    ['location', 'Where'],
    ['protocolApplied', 'Dose in series'],
    ['reasonCode', 'Reason'],
    ['statusReason', 'Not given because'],
    ['encounter', 'During visit'],
    ['note', 'Notes'],
  ],
  AllergyIntolerance: [
    ['code', 'Allergic to'],
    ['reaction', 'Reaction'],
    ['criticality', 'Risk'],
    ['clinicalStatus', 'Status'],
    ['category', 'Kind'],
    ['type', 'Type'],
    ['onset[x]', 'Since'],
    ['recordedDate', 'Recorded'],
    ['lastOccurrence', 'Last reaction'],
    ['verificationStatus', 'Confirmed'],
    ['asserter', 'Reported by'],
    ['recorder', 'Recorded by'],
    ['note', 'Notes'],
  ],
  Procedure: [
    ['code', 'Procedure'],
    ['performed[x]', 'When'],
    ['status', 'Status'],
    ['performer', 'Done by'],
    ['location', 'Where'],
    ['reasonCode', 'Reason'],
    ['reasonReference', 'Reason'],
    ['bodySite', 'Where on the body'],
    ['outcome', 'Outcome'],
    ['complication', 'Complications'],
    ['followUp', 'Follow-up'],
    ['category', 'Kind'],
    ['encounter', 'During visit'],
    ['note', 'Notes'],
  ],
  DiagnosticReport: [
    ['code', 'Report'],
    ['effective[x]', 'Collected'],
    ['issued', 'Reported'],
    ['result', 'Results'],
    ['conclusion', 'Conclusion'],
    ['conclusionCode', 'Findings'],
    ['status', 'Status'],
    ['category', 'Kind'],
    ['performer', 'From'],
    ['resultsInterpreter', 'Read by'],
    ['presentedForm', 'Attached document'],
    ['encounter', 'During visit'],
  ],
  Patient: [
    ['name', 'Name'],
    ['birthDate', 'Born'],
    ['gender', 'Sex'],
    ['deceased[x]', 'Died'],
    ['address', 'Address'],
    ['telecom', 'Contact'],
    ['maritalStatus', 'Marital status'],
    ['multipleBirth[x]', 'Twin or multiple birth'],
    ['communication', 'Languages'],
    ['generalPractitioner', 'Doctor'],
    ['managingOrganization', 'Care provider'],
    ['contact', 'Emergency contacts'],
    ['active', 'Active record'],
  ],
  // supportingInfo, careTeam and diagnosis hold bookkeeping or references whose
  // names only Go can resolve ("Role: Primary Care Practitioner" says nothing).
  Claim: [
    ['supportingInfo', ''],
    ['careTeam', ''],
    ['type', 'Type'],
    ['billablePeriod', 'For'],
    ['total', 'Billed'],
    ['provider', 'Provider'],
    ['insurance', 'Insurance'],
    ['item', 'Services'],
    ['diagnosis', ''],
    ['created', 'Filed'],
    ['status', 'Status'],
    ['priority', 'Priority'],
    ['use', 'Purpose'],
  ],
  ExplanationOfBenefit: [
    ['supportingInfo', ''],
    ['careTeam', ''],
    ['diagnosis', ''],
    ['type', 'Type'],
    ['billablePeriod', 'For'],
    ['total', 'Totals'],
    ['payment', 'Insurance paid'],
    ['provider', 'Provider'],
    ['insurer', 'Insurer'],
    ['insurance', 'Coverage'],
    ['item', 'Services'],
    ['outcome', 'Outcome'],
    ['created', 'Processed'],
    ['status', 'Status'],
    ['use', 'Purpose'],
  ],
  Coverage: [
    ['type', 'Type'],
    ['payor', 'Insurer'],
    ['period', 'Covered'],
    ['subscriberId', 'Member ID'],
    ['relationship', 'Relationship to subscriber'],
    ['class', 'Plan'],
    ['status', 'Status'],
  ],
  CarePlan: [
    ['category', 'Kind'],
    ['title', 'Title'],
    ['description', 'Description'],
    ['period', 'When'],
    ['addresses', 'For'],
    ['activity', 'Activities'],
    ['status', 'Status'],
    ['intent', 'Kind of plan'],
    ['careTeam', 'Care team'],
    ['goal', 'Goals'],
  ],
  Goal: [
    ['description', 'Goal'],
    ['lifecycleStatus', 'Status'],
    ['achievementStatus', 'Progress'],
    ['target', 'Target'],
    ['start[x]', 'Since'],
    ['addresses', 'For'],
  ],
  DocumentReference: [
    ['type', 'Document'],
    ['date', 'Date'],
    ['author', 'Author'],
    ['custodian', 'Kept by'],
    ['content', 'Files'],
    ['category', 'Kind'],
    ['description', 'Description'],
    ['context', 'About'],
    ['status', 'Status'],
  ],
  Device: [
    ['type', 'Device'],
    ['deviceName', 'Name'],
    ['udiCarrier', 'Device identifier'],
    ['manufactureDate', 'Made'],
    ['expirationDate', 'Expires'],
    ['lotNumber', 'Lot number'],
    ['serialNumber', 'Serial number'],
    ['distinctIdentifier', 'Identifier'],
    ['status', 'Status'],
  ],
  ImagingStudy: [
    ['procedureCode', 'Study'],
    ['started', 'When'],
    ['modality', 'Kind'],
    ['numberOfSeries', 'Series'],
    ['numberOfInstances', 'Images'],
    ['series', 'Details'],
    ['location', 'Where'],
    ['status', 'Status'],
  ],
  CareTeam: [
    ['name', 'Team'],
    ['participant', 'Members'],
    ['reasonCode', 'Reason'],
    ['period', 'When'],
    ['managingOrganization', 'Organization'],
    ['status', 'Status'],
  ],
};

// Labels for elements a type's spec does not list. Anything not here still
// gets a readable label (choice suffix dropped, words split).
const GENERIC: Record<string, string> = {
  status: 'Status',
  category: 'Kind',
  code: 'What',
  type: 'Type',
  encounter: 'During visit',
  context: 'During visit',
  note: 'Notes',
  period: 'When',
  effective: 'When',
  occurrence: 'When',
  performed: 'When',
  onset: 'Since',
  issued: 'Reported',
  recordedDate: 'Recorded',
  authoredOn: 'Written',
  created: 'Created',
  date: 'Date',
  performer: 'Done by',
  recorder: 'Recorded by',
  asserter: 'Reported by',
  requester: 'Ordered by',
  author: 'Author',
  location: 'Where',
  reasonCode: 'Reason',
  reasonReference: 'Reason',
  intent: 'Kind of order',
  priority: 'Priority',
  description: 'Description',
  name: 'Name',
  title: 'Title',
  address: 'Address',
  telecom: 'Contact',
  organization: 'Organization',
  manufacturer: 'Made by',
  basedOn: 'Ordered as',
  partOf: 'Part of',
  bodySite: 'Where on the body',
  insurance: 'Insurance',
  provider: 'Provider',
  value: 'Value',
  active: 'Active',
  qualification: 'Qualifications',
  specialty: 'Specialty',
  gender: 'Sex',
  birthDate: 'Born',
};

// Never shown: bookkeeping, and the person the record is about (the page
// already says whose record it is).
const HIDDEN = new Set([
  'resourceType', 'id', 'meta', 'text', 'extension', 'modifierExtension', 'contained', 'implicitRules', 'language',
  'fullUrl', 'subject', 'patient', 'beneficiary', 'subscriber', 'policyHolder', 'identifier',
]);

const ENCOUNTER_CLASS: Record<string, string> = {
  AMB: 'Outpatient', EMER: 'Emergency', IMP: 'Inpatient', ACUTE: 'Inpatient (acute)', NONAC: 'Inpatient (non-acute)',
  HH: 'Home health', VR: 'Virtual', OBSENC: 'Observation stay', PRENC: 'Pre-admission', SS: 'Short stay', FLD: 'Field',
  wellness: 'Wellness', ambulatory: 'Outpatient', emergency: 'Emergency', inpatient: 'Inpatient', outpatient: 'Outpatient', urgentcare: 'Urgent care',
};

// Elements whose string value is a code (status, intent…), shown as words.
const CODE_KEYS = new Set(['status', 'intent', 'use', 'priority', 'outcome', 'lifecycleStatus', 'criticality', 'gender', 'type', 'category', 'mode', 'severity']);

/** "in-progress" → "In progress", "vital-signs" → "Vital signs"; other text unchanged. */
export function humanCode(code: string): string {
  if (CODE_WORDS[code]) return CODE_WORDS[code];
  if (!/^[a-z]+([-_][a-z]+)*$/.test(code)) return code;
  const words = code.replace(/[-_]/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const MARITAL: Record<string, string> = {
  A: 'Annulled', D: 'Divorced', I: 'Interlocutory', L: 'Legally separated', M: 'Married', P: 'Polygamous',
  S: 'Never married', T: 'Domestic partner', U: 'Unmarried', W: 'Widowed',
};

// Condition/AllergyIntolerance.verificationStatus, under the label "Confirmed".
const VERIFICATION: Record<string, string> = {
  confirmed: 'Yes', unconfirmed: 'Not yet', provisional: 'Provisional', differential: 'One of several possibilities',
  refuted: 'Ruled out', 'entered-in-error': 'Entered in error',
};

const PERIOD_UNITS: Record<string, string> = { s: 'second', min: 'minute', h: 'hour', d: 'day', wk: 'week', mo: 'month', a: 'year' };

const CODE_WORDS: Record<string, string> = {
  male: 'Male', female: 'Female', other: 'Other', unknown: 'Unknown',
  low: 'Low', high: 'High', 'unable-to-assess': 'Unknown',
  mild: 'Mild', moderate: 'Moderate', severe: 'Severe',
  food: 'Food', medication: 'Medication', environment: 'Environment', biologic: 'Biologic',
  allergy: 'Allergy', intolerance: 'Intolerance',
};

// Identifier kinds (v2 table 0203 codes) and whether they are hidden by default.
const ID_KINDS: Record<string, { label: string; sensitive: boolean }> = {
  SS: { label: 'Social Security number', sensitive: true },
  MR: { label: 'Medical record number', sensitive: true },
  MB: { label: 'Member ID', sensitive: true },
  DL: { label: "Driver's license", sensitive: true },
  PPN: { label: 'Passport', sensitive: true },
  SB: { label: 'Social beneficiary ID', sensitive: true },
  TAX: { label: 'Tax ID', sensitive: true },
  NPI: { label: 'NPI', sensitive: false },
};
const SSN_SYSTEM = 'http://hl7.org/fhir/sid/us-ssn';

export interface RenderOptions {
  locale?: string;
  timeZone?: string;
  /** Names of referenced records, keyed by the reference string ("Practitioner/123" → "Dr Jane Roe"). */
  references?: References;
}

/** records.Detail.references: reference string as written → the name of what it points at. */
export type References = Record<string, string> | null | undefined;

function humanKey(k: string): string {
  const base = k.replace(/(DateTime|Date|Period|Quantity|CodeableConcept|Reference|String|Boolean|Integer|Range|Ratio|Age|Instant|Time|Attachment)$/, '') || k;
  if (GENERIC[base]) return GENERIC[base];
  const words = base.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

class Renderer {
  constructor(
    private o: RenderOptions,
    /** The observation's LOINC code, so a heart rate's "/min" reads "beats/min". */
    private obsCode = '',
  ) {}

  date(s: string): string {
    return /T\d/.test(s) ? formatDateTime(s, this.o.locale, this.o.timeZone) : formatDate(s, this.o.locale, this.o.timeZone);
  }

  value(v: unknown, depth = 0, key = ''): string {
    if (depth > 6 || v === null || v === undefined) return '';
    if (typeof v === 'string') {
      if (/^\d{4}(-\d{2}(-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?)?)?$/.test(v) && /date|time|period|start|end|issued|created|authored|recorded|onset|occurrence|effective|performed|born|birth|abatement|started/i.test(key)) {
        return this.date(v);
      }
      return CODE_KEYS.has(key) ? humanCode(v) : v;
    }
    if (typeof v === 'boolean') return v ? 'Yes' : 'No';
    if (typeof v === 'number') return formatNumber(v, this.o.locale);
    if (Array.isArray(v)) {
      return v
        .map((e) => this.value(e, depth + 1, key))
        .filter(Boolean)
        .join('; ');
    }
    if (isObj(v)) return this.object(v, depth, key);
    return '';
  }

  ref(x: Obj): string {
    const d = str(x, 'display');
    if (d) return cleanDisplay(d);
    const r = str(x, 'reference');
    // Own property only: a reference string is provider data ("constructor").
    const names = this.o.references;
    const fromGo = names && Object.prototype.hasOwnProperty.call(names, r) ? names[r] : '';
    if (fromGo) return fromGo;
    const type = /([A-Z][A-Za-z]+)\/[^/]+$/.exec(r)?.[1];
    return type ? typeLabelSingular(type) : '';
  }

  concept(x: Obj): string {
    const t = str(x, 'text');
    if (t) return cleanDisplay(t);
    const codings = Array.isArray(x.coding) ? x.coding : [];
    for (const c of codings) {
      if (isObj(c)) {
        const s = this.coding(c);
        if (s) return s;
      }
    }
    return '';
  }

  coding(c: Obj): string {
    const d = str(c, 'display');
    // Some exporters put the code itself in display ("vital-signs").
    if (d) return /^[a-z]+(-[a-z]+)+$/.test(d) ? humanCode(d) : cleanDisplay(d);
    const code = str(c, 'code');
    if (str(c, 'system').endsWith('MaritalStatus') && MARITAL[code]) return MARITAL[code];
    return ENCOUNTER_CLASS[code] ?? humanCode(code);
  }

  quantity(x: Obj): string {
    const raw = x.value;
    const n = typeof raw === 'number' ? this.number(raw, x, 'value') : typeof raw === 'string' ? raw : '';
    if (!n) return '';
    const cmp = str(x, 'comparator');
    return withUnit((cmp ? cmp + ' ' : '') + n, this.unitOf(x));
  }

  /** A number at the precision its source wrote it (up to 4 decimals): "7.10" stays "7.10". */
  number(n: number, holder: object, key: string): string {
    const d = writtenDecimals(holder, key);
    if (d === undefined || d > 4) return formatNumber(n, this.o.locale);
    return new Intl.NumberFormat(this.o.locale, { minimumFractionDigits: d, maximumFractionDigits: d }).format(n);
  }

  dosage(x: Obj): string {
    const parts: string[] = [];
    const dr = Array.isArray(x.doseAndRate) ? x.doseAndRate.find(isObj) : undefined;
    if (dr && isObj(dr.doseQuantity)) parts.push(this.quantity(dr.doseQuantity));
    else if (dr && isObj(dr.doseRange)) parts.push(this.range(dr.doseRange));
    const rep = isObj(x.timing) && isObj(x.timing.repeat) ? x.timing.repeat : undefined;
    if (rep && typeof rep.frequency === 'number' && typeof rep.period === 'number' && typeof rep.periodUnit === 'string') {
      const f = rep.frequency;
      const times = f === 1 ? 'once' : f === 2 ? 'twice' : `${formatNumber(f, this.o.locale)} times`;
      const unit = PERIOD_UNITS[rep.periodUnit] ?? rep.periodUnit;
      const per = rep.period === 1 ? `a ${unit}` : `every ${formatNumber(rep.period, this.o.locale)} ${unit}s`;
      parts.push(`${times} ${per}`);
    }
    if (x.asNeededBoolean === true) parts.push('as needed');
    else if (isObj(x.asNeededCodeableConcept)) parts.push(`as needed for ${this.concept(x.asNeededCodeableConcept)}`);
    if (isObj(x.route)) parts.push(this.concept(x.route).toLowerCase());
    return parts.filter(Boolean).join(', ');
  }

  unitOf(x: Obj): string {
    // code is UCUM only when the system says so; otherwise unit is what the source wrote.
    const ucum = str(x, 'system') === 'http://unitsofmeasure.org' ? str(x, 'code') : '';
    return readableUnit(ucum || str(x, 'unit'), this.obsCode);
  }

  range(x: Obj): string {
    const low = isObj(x.low) ? this.quantity(x.low) : '';
    const high = isObj(x.high) ? this.quantity(x.high) : '';
    const text = str(x, 'text');
    if (low && high) {
      // "3.5 g/dL – 5.0 g/dL" reads better as "3.5–5.0 g/dL" when the unit is shared.
      const lu = isObj(x.low) ? this.unitOf(x.low) : '';
      const hu = isObj(x.high) ? this.unitOf(x.high) : '';
      if (lu && lu === hu && lu !== '%') return `${low.slice(0, -lu.length - 1)}–${high}`;
      return `${low} – ${high}`;
    }
    if (low) return `at least ${low}`;
    if (high) return `up to ${high}`;
    return text;
  }

  object(x: Obj, depth: number, key: string): string {
    // Reference
    if (typeof x.reference === 'string' || (typeof x.display === 'string' && Object.keys(x).length <= 2 && !('code' in x))) {
      return this.ref(x);
    }
    // CodeableConcept
    if (Array.isArray(x.coding) || (typeof x.text === 'string' && Object.keys(x).length === 1)) return this.concept(x);
    // Coding
    if (typeof x.code === 'string' && x.value === undefined && (typeof x.system === 'string' || typeof x.display === 'string')) {
      return this.coding(x);
    }
    // Money
    if (typeof x.currency === 'string' && typeof x.value === 'number') {
      return formatMoney(x.value, x.currency, this.o.locale);
    }
    // Quantity
    if (x.value !== undefined && ('unit' in x || 'code' in x || 'system' in x || 'comparator' in x)) return this.quantity(x);
    // Range
    if (isObj(x.low) || isObj(x.high)) return this.range(x);
    // Ratio
    if (isObj(x.numerator) && isObj(x.denominator)) {
      return `${this.quantity(x.numerator)} per ${this.quantity(x.denominator)}`;
    }
    // Period
    if (typeof x.start === 'string' || typeof x.end === 'string') {
      const s = str(x, 'start') ? this.date(str(x, 'start')) : '';
      const e = str(x, 'end') ? this.date(str(x, 'end')) : '';
      if (!s) return `until ${e}`;
      if (!e || e === s) return s;
      return `${s} – ${e}`;
    }
    // HumanName
    if (x.given !== undefined || typeof x.family === 'string') {
      if (str(x, 'text')) return str(x, 'text');
      const given = Array.isArray(x.given) ? x.given.join(' ') : '';
      return [given, str(x, 'family')].filter(Boolean).join(' ');
    }
    // Address
    if (x.line !== undefined || typeof x.city === 'string') {
      const line = Array.isArray(x.line) ? x.line.join(', ') : '';
      return [line, str(x, 'city'), [str(x, 'state'), str(x, 'postalCode')].filter(Boolean).join(' '), str(x, 'country')]
        .filter(Boolean)
        .join(', ');
    }
    // ContactPoint
    if (typeof x.system === 'string' && typeof x.value === 'string') {
      const use = str(x, 'use');
      return `${x.value}${use ? ` (${use})` : ''}`;
    }
    // Attachment
    if (typeof x.contentType === 'string') {
      return str(x, 'title') || `Attached ${describeContentType(str(x, 'contentType'))}`;
    }
    // Annotation
    if (typeof x.text === 'string' && (x.time !== undefined || x.authorString !== undefined || x.authorReference !== undefined)) {
      return str(x, 'text');
    }
    // Dosage: its text says it all when present; else "1 tablet, twice a day, as needed".
    if (x.timing !== undefined || x.doseAndRate !== undefined || (typeof x.text === 'string' && x.route !== undefined)) {
      return str(x, 'text') || this.dosage(x);
    }
    // Care plan activity: "Diabetic diet (in progress)".
    if (isObj(x.detail) && key === 'activity') {
      const d = x.detail;
      const what = isObj(d.code) ? this.concept(d.code) : '';
      const st = str(d, 'status');
      return what ? (st ? `${what} (${humanCode(st).toLowerCase()})` : what) : '';
    }
    // Claim/EOB line: "Flu vaccine: $140.52".
    if (isObj(x.productOrService)) {
      const what = this.concept(x.productOrService);
      const net = isObj(x.net) ? this.value(x.net, depth + 1) : '';
      return net ? `${what}: ${net}` : what;
    }
    // A participant or performer is the person (or place) it names: "Dr. Ada
    // Lee", not "Individual: Dr. Ada Lee, Type: …".
    if (isObj(x.individual) && (typeof x.individual.reference === 'string' || typeof x.individual.display === 'string')) return this.ref(x.individual);
    if (isObj(x.actor) && (typeof x.actor.reference === 'string' || typeof x.actor.display === 'string')) return this.ref(x.actor);
    if (isObj(x.location) && key === 'location') return this.ref(x.location);
    // Claim/EOB insurance: the coverage, nothing about "focal" or sequence.
    if (isObj(x.coverage) && key === 'insurance') return this.ref(x.coverage);
    // Reaction: what happened, then how bad.
    if (Array.isArray(x.manifestation)) {
      const what = this.value(x.manifestation, depth + 1);
      const sev = str(x, 'severity');
      return sev ? `${what} (${(CODE_WORDS[sev] ?? sev).toLowerCase()})` : what;
    }
    // Observation component: "Systolic blood pressure: 120 mmHg"
    if (isObj(x.code) && Object.keys(x).some((k) => k.startsWith('value'))) {
      const name = this.concept(x.code);
      const vk = Object.keys(x).find((k) => k.startsWith('value'))!;
      const val = this.value(x[vk], depth + 1, vk);
      return name ? `${name}: ${val}` : val;
    }
    // Anything else: "Label: value" pairs with human labels.
    const parts: string[] = [];
    for (const k of Object.keys(x)) {
      if (HIDDEN.has(k) || k === 'sequence') continue;
      const s = this.value(x[k], depth + 1, k);
      if (s) parts.push(`${humanKey(k)}: ${s}`);
    }
    return parts.join(', ');
  }
}

function describeContentType(ct: string): string {
  if (ct.includes('pdf')) return 'PDF';
  if (ct.startsWith('image/')) return 'image';
  if (ct.includes('html')) return 'web page';
  if (ct.includes('xml')) return 'document (XML)';
  if (ct.startsWith('text/')) return 'text';
  return 'file';
}

function matchKeys(obj: Obj, key: string): string[] {
  if (key.endsWith('[x]')) {
    const base = key.slice(0, -3);
    return Object.keys(obj).filter((k) => k.startsWith(base) && /^[A-Z]/.test(k.slice(base.length)));
  }
  return key in obj ? [key] : [];
}

/** Identifiers, each under its own label; sensitive kinds carry a mask. */
function identifierFields(list: unknown, r: Renderer): ReadableField[] {
  if (!Array.isArray(list)) return [];
  const out: ReadableField[] = [];
  for (const id of list) {
    if (!isObj(id) || typeof id.value !== 'string' || !id.value) continue;
    const system = str(id, 'system');
    const typeCodes = isObj(id.type) && Array.isArray(id.type.coding) ? id.type.coding.filter(isObj).map((c) => str(c, 'code')) : [];
    const code = system === SSN_SYSTEM ? 'SS' : typeCodes.find((c) => c in ID_KINDS);
    const kind = code ? ID_KINDS[code] : undefined;
    const label = kind?.label ?? ((isObj(id.type) && r.concept(id.type)) || 'Identifier');
    if (kind?.sensitive || system === SSN_SYSTEM) out.push({ label, value: maskIdentifier(id.value), secret: id.value });
    else if (kind || isObj(id.type)) out.push({ label, value: id.value });
    // An untyped identifier (an exporter's internal uuid) means nothing to a person: omitted.
  }
  return out;
}

/**
 * Readable fields of one resource. obj is the parsed raw JSON; references
 * are Go's records.Detail.references (names of the records it points at).
 */
export function readableFields(obj: unknown, references: References = {}, opts: RenderOptions = {}): ReadableField[] {
  if (!isObj(obj)) return [];
  const type = str(obj, 'resourceType');
  const out: ReadableField[] = [];
  const used = new Set<string>();

  const render = (k: string, label: string) => {
    used.add(k);
    if (!label) return; // listed with no label: deliberately not shown
    const v = obj[k];
    const r = new Renderer({ ...opts, references }, type === 'Observation' ? loincCode(obj) : '');
    let s: string;
    if (type === 'Encounter' && k === 'class' && isObj(v)) s = r.coding(v);
    else if (type === 'Patient' && k === 'multipleBirthInteger' && typeof v === 'number') s = `Yes (born ${ordinal(v)})`;
    else if (k === 'maritalStatus' && isObj(v)) {
      // Exporters often write the one-letter code as the text ("S").
      const code = Array.isArray(v.coding) ? v.coding.filter(isObj).map((c) => str(c, 'code')).find((c) => c in MARITAL) : undefined;
      s = code ? MARITAL[code] : r.value(v, 0, k);
    } else if (k === 'verificationStatus' && isObj(v)) {
      const code = Array.isArray(v.coding) ? v.coding.filter(isObj).map((c) => str(c, 'code')).find((c) => c in VERIFICATION) : undefined;
      s = code ? VERIFICATION[code] : r.value(v, 0, k);
    }
    else if (type === 'ExplanationOfBenefit' && k === 'payment' && isObj(v)) s = r.value(v.amount, 1);
    else if (type === 'ExplanationOfBenefit' && k === 'total' && Array.isArray(v)) {
      s = v
        .filter(isObj)
        .map((t) => `${isObj(t.category) ? r.concept(t.category) : ''}: ${r.value(t.amount, 1)}`)
        .join('; ');
    } else if (type === 'Coverage' && k === 'subscriberId' && typeof v === 'string') {
      out.push({ label, value: maskIdentifier(v), secret: v });
      return;
    } else s = r.value(v, 0, k);
    if (s) out.push({ label, value: s });
  };

  for (const [keys, label] of SPECS[type] ?? []) {
    for (const key of Array.isArray(keys) ? keys : [keys]) {
      for (const k of matchKeys(obj, key)) if (!used.has(k)) render(k, label);
    }
  }
  for (const k of Object.keys(obj)) {
    if (used.has(k) || HIDDEN.has(k)) continue;
    render(k, humanKey(k));
  }
  // Merge repeated labels (location and serviceProvider are both "Where").
  const merged: ReadableField[] = [];
  for (const f of out) {
    const prev = merged.find((m) => m.label === f.label && !m.secret && !f.secret);
    if (prev) {
      if (!prev.value.split('; ').includes(f.value)) prev.value += `; ${f.value}`;
    } else merged.push({ ...f });
  }
  if (type === 'Patient' || type === 'Coverage' || type === 'Practitioner' || type === 'RelatedPerson') {
    merged.push(...identifierFields(obj.identifier, new Renderer({ ...opts, references })));
  }
  return merged;
}

function loincCode(obj: Obj): string {
  const codings = isObj(obj.code) && Array.isArray(obj.code.coding) ? obj.code.coding : [];
  const loinc = codings.find((c) => isObj(c) && str(c, 'system') === 'http://loinc.org');
  return isObj(loinc) ? str(loinc, 'code') : '';
}

function ordinal(n: number): string {
  const words = ['', 'first', 'second', 'third', 'fourth', 'fifth', 'sixth'];
  return words[n] ?? `number ${n}`;
}

// ---- a panel's results (records.PanelResult) --------------------------------

/** What the panel table reads of one result (records.PanelResult). */
export interface PanelResultLike {
  value: string;
  comparator?: string;
  unit: string;
  code?: string;
  flag?: string;
  rangeLow?: string;
  rangeHigh?: string;
  rangeUnit?: string;
  rangeText?: string;
}

/**
 * A number written as text ("7.10"), in the person's locale with exactly the
 * decimals the source wrote (up to 4); text that is not a number unchanged.
 */
export function writtenNumber(text: string, locale?: string): string {
  const t = text.trim();
  if (!/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(t)) return text;
  const n = Number(t);
  const dot = /[eE]/.test(t) ? -1 : t.indexOf('.');
  const d = dot < 0 ? 0 : t.length - dot - 1;
  if (/[eE]/.test(t) || d > 4) return formatNumber(n, locale);
  return new Intl.NumberFormat(locale, { minimumFractionDigits: d, maximumFractionDigits: d }).format(n);
}

/** "7.10 mmol/L", "< 0.5 mg/dL", "Cloudy urine": the value at the source's precision with a readable unit. */
export function panelValue(r: PanelResultLike, locale?: string): string {
  if (!r.value) return '';
  const n = writtenNumber(r.value, locale);
  if (n === r.value && !/^-?\d/.test(r.value)) return cleanDisplay(r.value); // coded or text result
  return withUnit((r.comparator ? r.comparator + ' ' : '') + n, readableUnit(r.unit, r.code));
}

/** "3.5–5.0 mmol/L", "at least 60", "up to 200 mg/dL", or the range's own text. */
export function panelRange(r: PanelResultLike, locale?: string): string {
  const unit = readableUnit(r.rangeUnit ?? '', r.code);
  const low = r.rangeLow ? writtenNumber(r.rangeLow, locale) : '';
  const high = r.rangeHigh ? writtenNumber(r.rangeHigh, locale) : '';
  if (low && high) return withUnit(`${low}–${high}`, unit);
  if (low) return `at least ${withUnit(low, unit)}`;
  if (high) return `up to ${withUnit(high, unit)}`;
  return r.rangeText ?? '';
}

const FLAGS: Record<string, string> = { H: 'High', L: 'Low', HH: 'Very high', LL: 'Very low', HU: 'Very high', LU: 'Very low', '>': 'Above range', '<': 'Below range', POS: 'Positive', DET: 'Detected' };

/** An interpretation code in words: "H" → "High"; any other out-of-range code → "Abnormal"; "" → "". */
export function flagLabel(flag: string | null | undefined): string {
  if (!flag) return '';
  return FLAGS[flag] ?? 'Abnormal';
}
