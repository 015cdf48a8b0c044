// The C-CDA converter as Fasten runs it inside goja (internal/ccda): one
// global function, string in, string out. Nothing here touches the
// network, the file system or timers.
import { convertXmlToCcda, convertCcdaToFhir } from '@medplum/ccda';
import { markResults, reportResults } from './results.js';
import { takeFamilyHistory, familyHistory } from './family.js';
import { hasTemplate, list } from './util.js';
import { mendInvalid } from './valid.js';

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


const PROBLEMS = '2.16.840.1.113883.10.20.22.2.5.1';
const PROBLEM_OBSERVATION = '2.16.840.1.113883.10.20.22.4.4';

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

// survives says whether the converter keeps a part of the document: it
// first drops, recursively, every element with nothing but a nullFlavor
// (a section of those is not among the Composition's sections).
function survives(v) {
  if (v === undefined) return false;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return true;
  return Object.keys(v).some((k) => k !== '@_nullFlavor' && survives(v[k]));
}

// mendSections mends the sections in place and says what the converter
// does not make of them: the result organizers it marked (results.js) and
// the family history it took out (family.js), each with the index of its
// section among the Composition's sections (one per section, in order).
function mendSections(ccda) {
  const marks = { organizers: [], observations: [] };
  const families = [];
  let index = 0;
  for (const comp of list(ccda?.component?.structuredBody?.component)) {
    for (const section of list(comp?.section)) {
      const ids = list(section?.templateId);
      const as = READ_AS[ids[0]?.['@_root']];
      if (as) section.templateId = [{ '@_root': as }, ...ids];
      if (list(section.templateId)[0]?.['@_root'] === PROBLEMS) splitConcerns(section);
      markResults(section, marks);
      families.push(...takeFamilyHistory(section, index));
      if (survives(section)) index++;
    }
  }
  return { marks, families };
}

globalThis.fastenConvertCcda = function (xml) {
  const ccda = convertXmlToCcda(xml);
  const { marks, families } = mendSections(ccda);
  const bundle = convertCcdaToFhir(ccda, { ignoreUnsupportedSections: true });
  reportResults(bundle, marks);
  familyHistory(bundle, families);
  mendInvalid(bundle);
  return JSON.stringify(bundle);
};
