// Result organizers become DiagnosticReports.
//
// The converter makes a result organizer (a lab panel: a blood count and
// its five results) an Observation whose hasMember lists the results, and
// makes each result an Observation with its reference range but always
// "final" and without its interpretation (H, L, LX…). A report is what
// FHIR readers (and Fasten's own panels) look for, so:
//   - before the converter runs, markResults tags each organizer and each
//     of its results with an identifier of Fasten's (an id with an
//     extension, which the converter copies into identifier and never
//     takes for the resource's id), and gives an organizer that names who
//     performed or wrote it a last component the converter reads the
//     clinicians of (an observation's authors become its performers, the
//     converter's Practitioners — the same as elsewhere in the document);
//   - after it, reportResults turns each tagged panel Observation into a
//     DiagnosticReport with the same id (code with every coding, status,
//     effective time, subject, performer, result: the results' own
//     Observations, in order), gives each result its status and
//     interpretation, and takes the tags and the helper out again.
// A result Observation stays one resource, referenced by its report only.
import { concept, effective, hasAnyTemplate, list, statusOf } from './util.js';

const RESULT_ORGANIZERS = ['2.16.840.1.113883.10.20.22.4.1', '2.16.840.1.113883.10.20.22.4.1.2'];

// Fasten's tag: an OID of Fasten's own (2.25: made of a UUID), which no
// document uses. The converter writes it as urn:oid:<TAG>; reportResults
// takes every one out again.
const TAG = '2.25.318839716281066183537361066129484736021';
const TAG_SYSTEM = 'urn:oid:' + TAG;
const ORGANIZER = 'organizer-';
const RESULT = 'result-';
const PERFORMERS = 'performers-';

function tag(x, value) {
  x.id = [...list(x.id), { '@_root': TAG, '@_extension': value }];
}

export function markResults(section, marks) {
  for (const entry of list(section?.entry)) {
    for (const organizer of list(entry?.organizer)) {
      if (!hasAnyTemplate(organizer, RESULT_ORGANIZERS)) continue;
      const n = marks.organizers.length;
      marks.organizers.push(organizer);
      tag(organizer, ORGANIZER + n);
      for (const component of list(organizer.component)) {
        for (const obs of list(component?.observation)) {
          tag(obs, RESULT + marks.observations.length);
          marks.observations.push(obs);
        }
      }
      // Who performed the tests (performer/assignedEntity) or wrote the
      // report (author): read as authors of a helper component.
      const authors = [
        ...list(organizer.author),
        ...list(organizer.performer)
          .map((p) => p?.assignedEntity)
          .filter((a) => a && typeof a === 'object')
          .map((a) => ({ assignedAuthor: a })),
      ];
      if (authors.length) {
        organizer.component = [
          ...list(organizer.component),
          {
            observation: [
              {
                '@_classCode': 'OBS',
                '@_moodCode': 'EVN',
                id: [{ '@_root': TAG, '@_extension': PERFORMERS + n }],
                code: { '@_code': PERFORMERS + n, '@_codeSystem': TAG },
                author: authors,
              },
            ],
          },
        ];
      }
    }
  }
}

// untag takes Fasten's tag out of a resource's identifiers and says it.
function untag(r) {
  const ids = list(r.identifier);
  const t = ids.find((i) => i?.system === TAG_SYSTEM);
  if (!t) return undefined;
  const rest = ids.filter((i) => i !== t);
  if (rest.length) r.identifier = rest;
  else delete r.identifier;
  return t.value;
}

// C-CDA result statuses (ActStatus) as FHIR's.
const REPORT_STATUS = {
  completed: 'final',
  active: 'partial',
  held: 'registered',
  new: 'registered',
  suspended: 'partial',
  aborted: 'cancelled',
  cancelled: 'cancelled',
  nullified: 'entered-in-error',
  obsolete: 'amended',
};
const RESULT_STATUS = {
  completed: 'final',
  active: 'preliminary',
  held: 'registered',
  new: 'registered',
  suspended: 'preliminary',
  aborted: 'cancelled',
  cancelled: 'cancelled',
  nullified: 'entered-in-error',
  obsolete: 'amended',
};

// A value the document says it has not (nullFlavor) as FHIR's reason.
const ABSENT = {
  NI: 'unknown',
  UNK: 'unknown',
  ASKU: 'asked-unknown',
  NAV: 'temp-unknown',
  NASK: 'not-asked',
  MSK: 'masked',
  NA: 'not-applicable',
  OTH: 'unsupported',
  NINF: 'negative-infinity',
  PINF: 'positive-infinity',
  NP: 'not-performed',
};

const LAB = {
  coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'LAB', display: 'Laboratory' }],
};

export function reportResults(bundle, marks) {
  if (marks.organizers.length === 0) return;
  const resources = bundle.entry.map((e) => e.resource);
  const panels = new Map(); // organizer index → panel Observation
  const helpers = new Map(); // organizer index → helper Observation
  const drop = new Set();
  for (const r of resources) {
    if (r?.resourceType !== 'Observation') continue;
    const t = untag(r);
    if (t === undefined) continue;
    if (t.startsWith(ORGANIZER)) panels.set(+t.slice(ORGANIZER.length), r);
    else if (t.startsWith(PERFORMERS)) {
      helpers.set(+t.slice(PERFORMERS.length), r);
      drop.add(r);
    } else if (t.startsWith(RESULT)) result(r, marks.observations[+t.slice(RESULT.length)]);
  }
  const renamed = new Map(); // 'Observation/id' of a panel → its report
  for (const [n, panel] of panels) {
    const organizer = marks.organizers[n];
    const helper = helpers.get(n);
    const helperRef = helper && 'Observation/' + helper.id;
    const report = {
      resourceType: 'DiagnosticReport',
      id: panel.id,
      ...(panel.identifier && { identifier: panel.identifier }),
      status: REPORT_STATUS[statusOf(organizer)] ?? 'unknown',
      category: [LAB],
      code: panel.code ?? concept(organizer.code) ?? { text: 'Results' },
      subject: panel.subject,
    };
    const when = effective(organizer.effectiveTime);
    const results = list(panel.hasMember).filter((m) => m?.reference !== helperRef);
    if (!when.dateTime && !when.period) {
      // No time on the organizer: its results' own, when they agree.
      const times = new Set(
        results.map((m) => resources.find((r) => 'Observation/' + r?.id === m.reference)?.effectiveDateTime),
      );
      if (times.size === 1 && [...times][0]) when.dateTime = [...times][0];
    }
    if (when.dateTime) report.effectiveDateTime = when.dateTime;
    if (when.period) report.effectivePeriod = when.period;
    if (helper?.performer?.length) report.performer = helper.performer;
    if (results.length) report.result = results;
    renamed.set('Observation/' + panel.id, 'DiagnosticReport/' + panel.id);
    bundle.entry[resources.indexOf(panel)].resource = report;
  }
  bundle.entry = bundle.entry.filter((e) => !drop.has(e.resource));
  // The Composition's section lists the report where it listed the panel.
  for (const e of bundle.entry) {
    if (e.resource?.resourceType !== 'Composition') continue;
    for (const s of list(e.resource.section)) {
      for (const ref of list(s.entry)) {
        const to = renamed.get(ref?.reference);
        if (to) ref.reference = to;
      }
    }
  }
}

// result gives a result Observation what the converter leaves out: its
// status, its interpretation, and why it has no value when it has none.
function result(r, obs) {
  if (!obs) return;
  const status = RESULT_STATUS[statusOf(obs)];
  if (status) r.status = status;
  const interpretation = list(obs.interpretationCode).map(concept).filter(Boolean);
  if (interpretation.length) r.interpretation = interpretation;
  const value = list(obs.value)[0];
  const q = r.valueQuantity;
  if (q && (q.value === undefined || Number.isNaN(q.value))) {
    // "No information" was written as a quantity of nothing.
    delete r.valueQuantity;
    r.dataAbsentReason = {
      coding: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/data-absent-reason',
          code: ABSENT[value?.['@_nullFlavor']] ?? 'unknown',
        },
      ],
    };
  }
}
