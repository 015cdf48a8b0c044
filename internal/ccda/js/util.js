// What results.js and family.js share: reading the converter's XML tree
// (fast-xml-parser's: attributes as '@_name', repeated elements as arrays
// only where the converter asked for them) and writing FHIR values.
import { mapCcdaSystemToFhir } from '@medplum/ccda';

// list reads an element that may appear once (an object) or many times
// (an array), or not at all.
export function list(x) {
  return x === undefined || x === null ? [] : Array.isArray(x) ? x : [x];
}

export function hasTemplate(x, root) {
  return list(x?.templateId).some((t) => t?.['@_root'] === root);
}

export function hasAnyTemplate(x, roots) {
  return list(x?.templateId).some((t) => roots.includes(t?.['@_root']));
}

// child is an element's first child of a name, whatever its namespace
// prefix (sdtc:deceasedInd, or deceasedInd where the document declared
// the namespace as its default).
export function child(x, name) {
  if (!x || typeof x !== 'object') return undefined;
  for (const [k, v] of Object.entries(x)) {
    if (k === name || k.endsWith(':' + name)) return list(v)[0];
  }
  return undefined;
}

// Code systems the converter names by OID only.
const SYSTEMS = {
  '2.16.840.1.113883.5.83': 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation',
};

function system(oid) {
  return SYSTEMS[oid] ?? mapCcdaSystemToFhir(oid);
}

function coding(c) {
  if (!c || typeof c !== 'object') return undefined;
  const code = c['@_code'];
  if (!code) return undefined; // a nullFlavor, or a translation with only text
  const out = {};
  const sys = system(c['@_codeSystem']);
  if (sys) out.system = sys;
  out.code = code;
  if (c['@_displayName']) out.display = c['@_displayName'];
  return out;
}

function textOf(x) {
  if (typeof x === 'string') return x.trim();
  if (x && typeof x === 'object' && typeof x['#text'] === 'string') return x['#text'].trim();
  return '';
}

// concept is a CodeableConcept of a CD: its code and every translation,
// each in its own system with its display (a document that codes a
// relative as FTH in RoleCode and 9947008 in SNOMED CT keeps both), and
// its words as text. undefined when it holds neither a code nor words.
export function concept(c) {
  if (!c || typeof c !== 'object') return undefined;
  const codings = [coding(c), ...list(c.translation).map(coding)].filter(Boolean);
  const text = c['@_displayName'] || textOf(c.originalText);
  if (codings.length === 0 && !text) return undefined;
  const out = {};
  if (codings.length) out.coding = codings;
  if (text) out.text = text;
  return out;
}

// An HL7 v3 TS: YYYY[MM[DD[HH[MM[SS[.S]]]]]][+-ZZZZ].
const TS = /^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\.\d+)?([+-]\d{4})?$/;

function parts(v) {
  const m = typeof v === 'string' ? TS.exec(v.trim()) : null;
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, tz] = m;
  if (mo && (+mo < 1 || +mo > 12)) return undefined;
  if (d && (+d < 1 || +d > new Date(Date.UTC(+y, +mo, 0)).getUTCDate())) return undefined;
  if (h && (+h > 23 || (mi && +mi > 59) || (s && +s > 59))) return undefined;
  return { y, mo, d, h, mi, s, frac, tz };
}

// fhirDate is a TS as a FHIR date, to the precision the document gave
// (a year of birth stays a year).
export function fhirDate(v) {
  const p = parts(v);
  if (!p) return undefined;
  return [p.y, p.mo, p.d].filter(Boolean).join('-');
}

// fhirDateTime is a TS as a FHIR dateTime: a date to its precision, a time
// with its zone (UTC when the document gave none, as the converter does).
// undefined when it is not a date (a month 30 is not read as one).
export function fhirDateTime(v) {
  const p = parts(v);
  if (!p) return undefined;
  if (!p.h || !p.d) return [p.y, p.mo, p.d].filter(Boolean).join('-');
  const tz = p.tz ? `${p.tz.slice(0, 3)}:${p.tz.slice(3)}` : 'Z';
  return `${p.y}-${p.mo}-${p.d}T${p.h}:${p.mi ?? '00'}:${p.s ?? '00'}${p.s && p.frac ? p.frac : ''}${tz}`;
}

// effective reads an IVL_TS or TS: { dateTime } for one instant (a value,
// or a low and high that agree, or a low alone), { period } for a span.
export function effective(t) {
  t = list(t)[0];
  if (!t || typeof t !== 'object') return {};
  const at = fhirDateTime(t['@_value']);
  if (at) return { dateTime: at };
  const low = fhirDateTime(list(t.low)[0]?.['@_value']);
  const high = fhirDateTime(list(t.high)[0]?.['@_value']);
  if (low && (!high || high === low)) return { dateTime: low };
  if (low || high) return { period: { ...(low && { start: low }), ...(high && { end: high }) } };
  return {};
}

// statusCode's code, when the document gave one.
export function statusOf(x) {
  const s = list(x?.statusCode)[0]?.['@_code'];
  return typeof s === 'string' ? s : undefined;
}

// identifiers reads ids as the converter does (an id that is a bare UUID
// is the resource's id, not an identifier) but keeps an OID alone as an
// identifier too (the converter drops its value).
export function identifiers(ids) {
  const out = [];
  for (const id of list(ids)) {
    const root = id?.['@_root'];
    const ext = id?.['@_extension'];
    if (!root) continue;
    if (ext) out.push({ system: mapCcdaSystemToFhir(root), value: ext });
    else if (!UUID.test(root)) out.push({ system: 'urn:ietf:rfc:3986', value: 'urn:oid:' + root });
  }
  return out.length ? out : undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// resourceId is the converter's choice of id: a bare UUID root, else one
// it invents (crypto.randomUUID, which internal/ccda derives from the
// document and stable.go replaces with one drawn from the record).
export function resourceId(ids) {
  for (const id of list(ids)) {
    const root = id?.['@_root'];
    if (root && !id['@_extension'] && UUID.test(root)) return root;
  }
  return crypto.randomUUID();
}

export function patientRef(bundle) {
  const p = bundle.entry.map((e) => e.resource).find((r) => r?.resourceType === 'Patient');
  return p ? { reference: 'Patient/' + p.id } : undefined;
}

// compositionSection is the Composition's index-th section (the converter writes one
// per document section, in order).
export function compositionSection(bundle, index) {
  const c = bundle.entry.map((e) => e.resource).find((r) => r?.resourceType === 'Composition');
  return c?.section?.[index];
}
