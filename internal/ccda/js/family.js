// The Family History section becomes FamilyMemberHistory.
//
// The converter reads a family history organizer (a relative and what
// they had) as a vital-signs panel: Observations about the patient, "a
// myocardial infarction", that never say it was the father's. So the
// section's organizers (and any family history observation sent without
// one) are taken out before it runs, and made here into one
// FamilyMemberHistory per relative: relationship (RoleCode, with every
// translation), sex, born and deceased where given, and one condition per
// family history observation — its code in every system given, onset age
// (or time), and whether it caused the death.
import {
  child,
  compositionSection,
  concept,
  effective,
  fhirDate,
  hasAnyTemplate,
  identifiers,
  list,
  patientRef,
  resourceId,
  statusOf,
} from './util.js';

const FAMILY_HISTORY_SECTION = '2.16.840.1.113883.10.20.22.2.15';
const FAMILY_HISTORY_OBSERVATION = ['2.16.840.1.113883.10.20.22.4.46'];
const DEATH_OBSERVATION = ['2.16.840.1.113883.10.20.22.4.47'];
const AGE_OBSERVATION = ['2.16.840.1.113883.10.20.22.4.31'];

// takeFamilyHistory removes the section's organizers and family history
// observations, returning them with the section's index.
export function takeFamilyHistory(section, index) {
  if (!list(section?.templateId).some((t) => t?.['@_root'] === FAMILY_HISTORY_SECTION)) return [];
  const taken = [];
  const entries = [];
  for (const entry of list(section.entry)) {
    if (!entry || typeof entry !== 'object') {
      entries.push(entry);
      continue;
    }
    const organizers = list(entry.organizer);
    const observations = list(entry.observation).filter((o) => hasAnyTemplate(o, FAMILY_HISTORY_OBSERVATION));
    for (const organizer of organizers) taken.push({ index, organizer });
    // An observation sent without its organizer: a relative of its own,
    // named by the observation's subject when it has one.
    for (const observation of observations) {
      taken.push({
        index,
        organizer: {
          id: observation.id,
          statusCode: observation.statusCode,
          subject: observation.subject,
          component: [{ observation: [observation] }],
        },
      });
    }
    const rest = { ...entry };
    delete rest.organizer;
    rest.observation = list(entry.observation).filter((o) => !observations.includes(o));
    if (rest.observation.length === 0) delete rest.observation;
    if (Object.keys(rest).some((k) => !k.startsWith('@_'))) entries.push(rest);
  }
  section.entry = entries;
  return taken;
}

const GENDER = {
  M: ['male', 'Male'],
  F: ['female', 'Female'],
  UN: ['other', 'Other'],
  UNK: ['unknown', 'Unknown'],
};

const STATUS = { completed: 'completed', active: 'partial', nullified: 'entered-in-error' };

// UCUM units of an age, as words.
const AGE_UNITS = { a: 'years', mo: 'months', wk: 'weeks', d: 'days', h: 'hours', min: 'minutes' };

export function familyHistory(bundle, taken) {
  if (taken.length === 0) return;
  const patient = patientRef(bundle);
  if (!patient) return; // FamilyMemberHistory.patient is required
  for (const { index, organizer } of taken) {
    const r = member(organizer, patient);
    bundle.entry.push({ resource: r });
    const section = compositionSection(bundle, index);
    if (section) section.entry = [...list(section.entry), { reference: 'FamilyMemberHistory/' + r.id }];
  }
}

function member(organizer, patient) {
  const related = list(organizer.subject)[0]?.relatedSubject;
  const person = list(related?.subject)[0];
  const r = {
    resourceType: 'FamilyMemberHistory',
    id: resourceId(organizer.id),
  };
  const ids = identifiers(organizer.id);
  if (ids) r.identifier = ids;
  r.status = STATUS[statusOf(organizer)] ?? 'completed';
  r.patient = patient;
  r.relationship = concept(list(related?.code)[0]) ?? {
    coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-NullFlavor', code: 'UNK', display: 'unknown' }],
    text: 'Unknown relative',
  };
  const gender = GENDER[list(person?.administrativeGenderCode)[0]?.['@_code']];
  if (gender) {
    r.sex = { coding: [{ system: 'http://hl7.org/fhir/administrative-gender', code: gender[0], display: gender[1] }] };
  }
  const born = fhirDate(list(person?.birthTime)[0]?.['@_value']);
  if (born) r.bornDate = born;
  const deceasedTime = fhirDate(child(person, 'deceasedTime')?.['@_value']);
  const deceasedInd = child(person, 'deceasedInd')?.['@_value'];
  const conditions = [];
  let died = false;
  for (const component of list(organizer.component)) {
    for (const obs of list(component?.observation)) {
      const c = condition(obs);
      if (!c) continue;
      if (c.contributedToDeath) died = true;
      conditions.push(c);
    }
  }
  if (deceasedTime) r.deceasedDate = deceasedTime;
  else if (deceasedInd === 'true' || died) r.deceasedBoolean = true;
  else if (deceasedInd === 'false') r.deceasedBoolean = false;
  if (conditions.length) r.condition = conditions;
  return r;
}

// condition is a family history observation: what the relative had is its
// value (its code is LOINC's "Condition" or SNOMED's "Diagnosis").
function condition(obs) {
  if (!obs || typeof obs !== 'object') return undefined;
  const value = list(obs.value)[0];
  const code = concept(value) ?? concept(list(obs.code)[0]);
  if (!code) return undefined;
  const c = { code };
  const rels = list(obs.entryRelationship);
  if (rels.some((rel) => list(rel?.observation).some((o) => hasAnyTemplate(o, DEATH_OBSERVATION)))) {
    c.contributedToDeath = true;
  }
  const age = rels
    .flatMap((rel) => list(rel?.observation))
    .find((o) => hasAnyTemplate(o, AGE_OBSERVATION));
  const ageValue = list(age?.value)[0];
  const years = Number.parseFloat(ageValue?.['@_value']);
  const unit = ageValue?.['@_unit'] || 'a';
  if (Number.isFinite(years)) {
    c.onsetAge = {
      value: years,
      unit: AGE_UNITS[unit] ?? unit,
      system: 'http://unitsofmeasure.org',
      code: unit,
    };
  } else {
    const when = effective(obs.effectiveTime);
    if (when.dateTime) c.onsetPeriod = { start: when.dateTime };
    else if (when.period) c.onsetPeriod = when.period;
  }
  return c;
}
