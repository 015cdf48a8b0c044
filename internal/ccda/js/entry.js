// The C-CDA converter as Fasten runs it inside goja (internal/ccda): one
// global function, string in, string out. Nothing here touches the
// network, the file system or timers.
import { convertXmlToCcda, convertCcdaToFhir } from '@medplum/ccda';

// The converter picks a section's handler from its first templateId and
// knows the "entries required" templates only; many portals send the
// "entries optional" ones (same content) or diagnosis sections whose
// entries are problem observations. Rather than lose those sections, each
// gets the template the converter reads, first.
const READ_AS = {
  '2.16.840.1.113883.10.20.22.2.1': '2.16.840.1.113883.10.20.22.2.1.1', // medications
  '2.16.840.1.113883.10.20.22.2.2': '2.16.840.1.113883.10.20.22.2.2.1', // immunizations
  '2.16.840.1.113883.10.20.22.2.3': '2.16.840.1.113883.10.20.22.2.3.1', // results
  '2.16.840.1.113883.10.20.22.2.4': '2.16.840.1.113883.10.20.22.2.4.1', // vital signs
  '2.16.840.1.113883.10.20.22.2.5': '2.16.840.1.113883.10.20.22.2.5.1', // problems
  '2.16.840.1.113883.10.20.22.2.6': '2.16.840.1.113883.10.20.22.2.6.1', // allergies
  '2.16.840.1.113883.10.20.22.2.7': '2.16.840.1.113883.10.20.22.2.7.1', // procedures
  '2.16.840.1.113883.10.20.22.2.22': '2.16.840.1.113883.10.20.22.2.22.1', // encounters
};

function list(x) {
  return x === undefined || x === null ? [] : Array.isArray(x) ? x : [x];
}

const PROBLEMS = '2.16.840.1.113883.10.20.22.2.5.1';
const PROBLEM_OBSERVATION = '2.16.840.1.113883.10.20.22.4.4';

function hasTemplate(x, root) {
  return list(x?.templateId).some((t) => t?.['@_root'] === root);
}

// The converter makes one condition of a problem concern: its first
// problem observation. A concern listing two problems is split into one
// concern per problem, so none is lost.
function splitConcerns(section) {
  const entries = [];
  for (const entry of list(section.entry)) {
    const act = list(entry?.act)[0];
    const rels = list(act?.entryRelationship);
    const problems = rels.filter((r) => list(r?.observation).some((o) => hasTemplate(o, PROBLEM_OBSERVATION)));
    if (problems.length < 2) {
      entries.push(entry);
      continue;
    }
    const others = rels.filter((r) => !problems.includes(r));
    for (const p of problems) {
      entries.push({ ...entry, act: [{ ...act, entryRelationship: [p, ...others] }] });
    }
  }
  section.entry = entries;
}

function mendSections(ccda) {
  for (const comp of list(ccda?.component?.structuredBody?.component)) {
    for (const section of list(comp?.section)) {
      const ids = list(section?.templateId);
      const as = READ_AS[ids[0]?.['@_root']];
      if (as) section.templateId = [{ '@_root': as }, ...ids];
      if (list(section.templateId)[0]?.['@_root'] === PROBLEMS) splitConcerns(section);
    }
  }
}

globalThis.fastenConvertCcda = function (xml) {
  const ccda = convertXmlToCcda(xml);
  mendSections(ccda);
  const bundle = convertCcdaToFhir(ccda, { ignoreUnsupportedSections: true });
  return JSON.stringify(bundle);
};
