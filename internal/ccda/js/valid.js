// What the converter writes that FHIR R4 refuses, mended so the record is
// kept (the importer validates each resource and skips one it refuses):
//   - a date the document got wrong (the HL7 example CCD's "200130311"
//     becomes "2001-30-31"): an impossible date is dropped, the record kept;
//   - a Procedure "active" (C-CDA's status, not one of FHIR's): in-progress.
const DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?)?)?$/;

// Words are never dates to mend, whatever they look like.
const WORDS = new Set(['text', 'display', 'div', 'valueString', 'title', 'description']);

function impossible(s) {
  const m = DATE.exec(s);
  if (!m) return false;
  const [, y, mo, d, h, mi, sec] = m;
  if (mo && (+mo < 1 || +mo > 12)) return true;
  if (d && (+d < 1 || +d > new Date(Date.UTC(+y, +mo, 0)).getUTCDate())) return true;
  return (h && +h > 23) || (mi && +mi > 59) || (sec && +sec > 59);
}

function dropImpossibleDates(x) {
  if (Array.isArray(x)) {
    x.forEach(dropImpossibleDates);
    return;
  }
  if (!x || typeof x !== 'object') return;
  for (const [k, v] of Object.entries(x)) {
    if (typeof v === 'string') {
      if (!WORDS.has(k) && /^\d{4}-/.test(v) && impossible(v)) delete x[k];
    } else {
      dropImpossibleDates(v);
    }
  }
}

export function mendInvalid(bundle) {
  for (const e of bundle.entry) {
    const r = e.resource;
    if (!r || typeof r !== 'object') continue;
    dropImpossibleDates(r);
    if (r.resourceType === 'Procedure' && r.status === 'active') r.status = 'in-progress';
  }
}
