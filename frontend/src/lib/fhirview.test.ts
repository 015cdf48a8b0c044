import { describe, expect, it } from 'vitest';
import { flagLabel, panelRange, panelValue, readableFields, writtenNumber } from './fhirview';
import { cleanDisplay, formatMoney, formatNumber, formatValue, maskIdentifier } from './format';
import { readableUnit } from './units';

const labels = (fs: { label: string }[]) => fs.map((f) => f.label);
const field = (fs: { label: string; value: string }[], label: string) => fs.find((f) => f.label === label)?.value;
const opts = { locale: 'en-US', timeZone: 'America/Los_Angeles' };

describe('readableUnit', () => {
  it('maps UCUM codes to what a person reads', () => {
    expect(readableUnit('10*6/uL')).toBe('million/µL');
    expect(readableUnit('10*3/uL')).toBe('thousand/µL');
    expect(readableUnit('mm[Hg]')).toBe('mmHg');
    expect(readableUnit('mL/min/{1.73_m2}')).toBe('mL/min/1.73 m²');
    expect(readableUnit('kg/m2')).toBe('kg/m²');
    expect(readableUnit('Cel')).toBe('°C');
    expect(readableUnit('[degF]')).toBe('°F');
    expect(readableUnit('[lb_av]')).toBe('lb');
    expect(readableUnit('[in_i]')).toBe('in');
    expect(readableUnit('g/dL')).toBe('g/dL');
    expect(readableUnit('%')).toBe('%');
  });
  it('reads a heart rate per minute as beats', () => {
    expect(readableUnit('/min', '8867-4')).toBe('beats/min');
    expect(readableUnit('/min', '9279-1')).toBe('breaths/min');
    expect(readableUnit('/min')).toBe('/min');
  });
  it('tidies unknown units without losing them', () => {
    expect(readableUnit('{cells}/hpf')).toBe('cells/hpf');
    expect(readableUnit('ug/mg')).toBe('µg/mg');
  });
});

describe('numbers, money, displays, identifiers', () => {
  it('drops float noise and keeps at most 4 decimals', () => {
    expect(formatNumber(98.28800000000001, 'en-US')).toBe('98.288');
    expect(formatNumber(3.028126053975507, 'en-US')).toBe('3.0281');
    expect(formatNumber(7, 'en-US')).toBe('7');
    expect(formatValue({ valueNum: 3.028126053975507, unit: '%' }, 'en-US')).toBe('3.0281%');
    expect(formatValue({ valueNum: 4.9, unit: '10*6/uL' }, 'en-US')).toBe('4.9 million/µL');
    expect(formatValue({ valueNum: 72, unit: '/min', code: '8867-4' }, 'en-US')).toBe('72 beats/min');
  });
  it('shows money as money', () => {
    expect(formatMoney(98.28800000000001, 'USD', 'en-US')).toBe('$98.29');
    expect(formatMoney(1200, 'EUR', 'de-DE')).toMatch(/^1\.200,00\s€$/);
    expect(formatMoney(5, '', 'en-US')).toBe('5.00');
  });
  it('cleans SNOMED semantic tags', () => {
    expect(cleanDisplay('Hypertension (disorder)')).toBe('Hypertension');
    expect(cleanDisplay('Body mass index 30+ - obesity (finding)')).toBe('Body mass index 30+ - obesity');
    expect(cleanDisplay('Vitamin D (25-OH)')).toBe('Vitamin D (25-OH)');
    expect(cleanDisplay('')).toBe('');
  });
  it('masks all but the last four, in the original shape', () => {
    expect(maskIdentifier('999-12-6789')).toBe('•••-••-6789');
    expect(maskIdentifier('S99912345')).toBe('•••••2345');
    expect(maskIdentifier('123')).toBe('••••');
  });
});

describe('readableFields', () => {
  it('Condition: Diagnosed, Status, Since, with no FHIR names or tags', () => {
    const fs = readableFields(
      {
        resourceType: 'Condition',
        id: 'c1',
        clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
        verificationStatus: { coding: [{ code: 'confirmed' }] },
        code: { coding: [{ system: 'http://snomed.info/sct', code: '38341003', display: 'Hypertension (disorder)' }] },
        subject: { reference: 'urn:uuid:p1' },
        onsetDateTime: '2015-03-01T09:00:00-08:00',
        recordedDate: '2015-03-02',
      },
      {},
      opts,
    );
    expect(labels(fs)).toEqual(['Condition', 'Status', 'Since', 'Diagnosed', 'Confirmed']);
    expect(field(fs, 'Condition')).toBe('Hypertension');
    expect(field(fs, 'Status')).toBe('Active');
    // A date-only value does not shift a day in a zone west of UTC.
    expect(field(fs, 'Diagnosed')).toBe('Mar 2, 2015');
    expect(field(fs, 'Since')).toMatch(/^Mar 1, 2015, 9:00\sAM$/);
  });

  it('Observation: Result, Normal range, Interpretation, Measured', () => {
    const fs = readableFields(
      {
        resourceType: 'Observation',
        status: 'final',
        category: [{ coding: [{ code: 'laboratory', display: 'Laboratory' }] }],
        code: { coding: [{ system: 'http://loinc.org', code: '789-8', display: 'Erythrocytes [#/volume] in Blood' }] },
        effectiveDateTime: '2021-03-12T00:14:49+00:00',
        valueQuantity: { value: 4.712345678, unit: '10*6/uL', system: 'http://unitsofmeasure.org', code: '10*6/uL' },
        referenceRange: [{ low: { value: 4.2, unit: '10*6/uL' }, high: { value: 5.9, unit: '10*6/uL' } }],
        interpretation: [{ coding: [{ code: 'N', display: 'Normal' }] }],
      },
      {},
      { locale: 'en-US', timeZone: 'UTC' },
    );
    expect(labels(fs)).toEqual(['Test', 'Result', 'Normal range', 'Interpretation', 'Measured', 'Status', 'Kind']);
    expect(field(fs, 'Result')).toBe('4.7123 million/µL');
    expect(field(fs, 'Normal range')).toBe('4.2–5.9 million/µL');
    expect(field(fs, 'Measured')).toMatch(/^Mar 12, 2021, 12:14\sAM$/);
  });

  it('Observation: heart rate per minute reads beats/min; blood pressure components', () => {
    const hr = readableFields({
      resourceType: 'Observation',
      code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
      valueQuantity: { value: 72, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
    });
    expect(field(hr, 'Result')).toBe('72 beats/min');
    const bp = readableFields({
      resourceType: 'Observation',
      code: { text: 'Blood pressure panel' },
      component: [
        { code: { text: 'Systolic' }, valueQuantity: { value: 120, unit: 'mm[Hg]', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' } },
        { code: { text: 'Diastolic' }, valueQuantity: { value: 80, unit: 'mm[Hg]', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' } },
      ],
    });
    expect(field(bp, 'Results')).toBe('Systolic: 120 mmHg; Diastolic: 80 mmHg');
  });

  it('MedicationRequest: Prescribed by (name resolved in Go), Dose, Since', () => {
    const fs = readableFields(
      {
        resourceType: 'MedicationRequest',
        status: 'active',
        medicationCodeableConcept: { coding: [{ display: 'lisinopril 10 MG Oral Tablet' }] },
        requester: { reference: 'Practitioner/pr1' },
        authoredOn: '2019-06-01',
        dosageInstruction: [{ text: 'Take one tablet daily', timing: {} }],
      },
      { 'Practitioner/pr1': 'Dr. Jane Ng' },
      opts,
    );
    expect(labels(fs)).toEqual(['Medication', 'Status', 'Dose', 'Since', 'Prescribed by']);
    expect(field(fs, 'Prescribed by')).toBe('Dr. Jane Ng');
    expect(field(fs, 'Dose')).toBe('Take one tablet daily');
    expect(field(fs, 'Status')).toBe('Active');
  });

  it('Encounter: Type, Where, Reason, Setting in words', () => {
    const fs = readableFields(
      {
        resourceType: 'Encounter',
        class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'EMER' },
        type: [{ coding: [{ display: 'Emergency room admission (procedure)' }] }],
        reasonCode: [{ coding: [{ display: 'Asthma (disorder)' }] }],
        serviceProvider: { reference: 'Organization/o1', display: 'Mercy Hospital' },
        period: { start: '2020-01-02', end: '2020-01-02' },
      },
      {},
      opts,
    );
    expect(field(fs, 'Type')).toBe('Emergency room admission');
    expect(field(fs, 'Where')).toBe('Mercy Hospital');
    expect(field(fs, 'Reason')).toBe('Asthma');
    expect(field(fs, 'Setting')).toBe('Emergency');
    expect(field(fs, 'When')).toBe('Jan 2, 2020');
  });

  it('Immunization: Vaccine, Given', () => {
    const fs = readableFields(
      { resourceType: 'Immunization', vaccineCode: { text: 'Influenza, seasonal' }, occurrenceDateTime: '2022-10-01', primarySource: true },
      {},
      opts,
    );
    expect(labels(fs).slice(0, 2)).toEqual(['Vaccine', 'Given']);
    expect(field(fs, 'Given')).toBe('Oct 1, 2022');
    expect(field(fs, 'Primary source')).toBeUndefined(); // bookkeeping, not shown
  });

  it('money as money in claims', () => {
    const fs = readableFields(
      { resourceType: 'Claim', total: { value: 98.28800000000001, currency: 'USD' }, created: '2020-01-01' },
      {},
      opts,
    );
    expect(field(fs, 'Billed')).toBe('$98.29');
    expect(fs.map((f) => f.value).join(' ')).not.toMatch(/Currency|Value:/);
  });

  it('Patient: sensitive identifiers are masked and carry the full value for Reveal', () => {
    const fs = readableFields({
      resourceType: 'Patient',
      name: [{ given: ['Ana'], family: 'Ruiz' }],
      gender: 'female',
      multipleBirthBoolean: false,
      identifier: [
        { system: 'https://github.com/synthetichealth/synthea', value: 'f0c1-uuid' },
        { system: 'http://hl7.org/fhir/sid/us-ssn', value: '999-12-6789' },
        { type: { coding: [{ code: 'MR' }] }, value: 'MRN-4455' },
        { type: { coding: [{ code: 'DL' }] }, value: 'S99912345' },
        { type: { coding: [{ code: 'PPN' }] }, value: 'X12345678X' },
      ],
    });
    expect(field(fs, 'Name')).toBe('Ana Ruiz');
    expect(field(fs, 'Sex')).toBe('Female');
    expect(field(fs, 'Twin or multiple birth')).toBe('No');
    const ssn = fs.find((f) => f.label === 'Social Security number')!;
    expect(ssn.value).toBe('•••-••-6789');
    expect(ssn.secret).toBe('999-12-6789');
    expect(fs.find((f) => f.label === 'Medical record number')?.value).toBe('•••-4455');
    expect(fs.find((f) => f.label === "Driver's license")?.value).toBe('•••••2345');
    expect(fs.find((f) => f.label === 'Passport')?.secret).toBe('X12345678X');
    // No value anywhere shows the unmasked numbers, and no FHIR element name is a label.
    const shown = fs.map((f) => `${f.label} ${f.value}`).join('\n');
    expect(shown).not.toContain('999-12-6789');
    expect(shown).not.toContain('f0c1-uuid');
    expect(shown).not.toMatch(/multipleBirth|Multiple birth boolean/);
  });
});

describe('readableFields: codes and structures in words', () => {
  it('writes a dosage as a sentence, codes as words, marital status and verification in plain terms', () => {
    const med = readableFields({
      resourceType: 'MedicationRequest',
      status: 'on-hold',
      dosageInstruction: [{ timing: { repeat: { frequency: 2, period: 1, periodUnit: 'd' } }, asNeededBoolean: true, doseAndRate: [{ doseQuantity: { value: 1 } }] }],
    });
    expect(field(med, 'Dose')).toBe('1, twice a day, as needed');
    expect(field(med, 'Status')).toBe('On hold');

    const pat = readableFields({ resourceType: 'Patient', maritalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', code: 'S' }], text: 'S' } });
    expect(field(pat, 'Marital status')).toBe('Never married');

    const cond = readableFields({ resourceType: 'Condition', verificationStatus: { coding: [{ code: 'refuted' }] } });
    expect(field(cond, 'Confirmed')).toBe('Ruled out');

    const obs = readableFields({ resourceType: 'Observation', category: [{ coding: [{ code: 'vital-signs', display: 'vital-signs' }] }] });
    expect(field(obs, 'Kind')).toBe('Vital signs');

    const plan = readableFields({ resourceType: 'CarePlan', activity: [{ detail: { code: { text: 'Diabetic diet' }, status: 'in-progress' } }] });
    expect(field(plan, 'Activities')).toBe('Diabetic diet (in progress)');
  });

  it('shows claim lines as service and amount, insurance by name, no bookkeeping', () => {
    const fs = readableFields({
      resourceType: 'Claim',
      insurance: [{ sequence: 1, focal: true, coverage: { display: 'medicaid' } }],
      item: [{ sequence: 1, productOrService: { text: 'Flu shot' }, net: { value: 140.52, currency: 'USD' } }],
      supportingInfo: [{ sequence: 1, category: { coding: [{ code: 'info' }] } }],
    }, {}, { locale: 'en-US' });
    expect(field(fs, 'Insurance')).toBe('medicaid');
    expect(field(fs, 'Services')).toBe('Flu shot: $140.52');
    expect(fs.map((f) => f.value).join(' ')).not.toMatch(/Focal|sequence|Kind: info/i);
  });
});

describe('references by their own string', () => {
  it('names each reference from Go\'s map, whatever its field or position', () => {
    const fs = readableFields(
      {
        resourceType: 'Encounter',
        participant: [
          { individual: { reference: 'Practitioner/a' } },
          { individual: { reference: 'Practitioner/b', display: 'Dr. Own Display' } },
          { individual: { reference: 'urn:uuid:c' } },
        ],
        location: [{ location: { reference: 'Location/unknown' } }],
        serviceProvider: { reference: 'urn:uuid:org' },
      },
      { 'Practitioner/a': 'Dr. Ada Lee', 'urn:uuid:c': 'Dr. Cy Moss', 'urn:uuid:org': 'Mercy Clinic' },
      opts,
    );
    // Three people, one with its own display: a label-matching lookup could
    // not pair Go's two names with three references.
    expect(field(fs, 'Seen by')).toBe('Dr. Ada Lee; Dr. Own Display; Dr. Cy Moss');
    // An unresolved reference says what kind of record it is; a resolved one its name.
    expect(field(fs, 'Where')).toBe('Place; Mercy Clinic');
  });

  it('does not read names off the map\'s prototype', () => {
    const fs = readableFields({ resourceType: 'Condition', asserter: { reference: 'constructor' } }, {}, opts);
    expect(field(fs, 'Diagnosed by') ?? '').not.toMatch(/function/);
  });
});

describe('panel results', () => {
  it('keeps the written decimals, with a readable unit', () => {
    expect(writtenNumber('7.10', 'en-US')).toBe('7.10');
    expect(writtenNumber('1234.5', 'de-DE')).toBe('1.234,5');
    expect(writtenNumber('98.28800000000001', 'en-US')).toBe('98.288');
    expect(writtenNumber('Cloudy', 'en-US')).toBe('Cloudy');
    expect(panelValue({ value: '7.10', unit: 'mmol/L' }, 'en-US')).toBe('7.10 mmol/L');
    expect(panelValue({ value: '4.5', unit: '10*6/uL' }, 'en-US')).toBe('4.5 million/µL');
    expect(panelValue({ value: '72', unit: '/min', code: '8867-4' }, 'en-US')).toBe('72 beats/min');
    expect(panelValue({ value: '0.5', comparator: '<', unit: 'mg/dL' }, 'en-US')).toBe('< 0.5 mg/dL');
    expect(panelValue({ value: 'Cloudy urine (finding)', unit: '' }, 'en-US')).toBe('Cloudy urine');
    expect(panelValue({ value: '120/80', unit: 'mm[Hg]' }, 'en-US')).toBe('120/80 mmHg');
  });

  it('ranges and flags in words', () => {
    expect(panelRange({ value: '', unit: '', rangeLow: '3.50', rangeHigh: '5.0', rangeUnit: 'mmol/L' }, 'en-US')).toBe('3.50–5.0 mmol/L');
    expect(panelRange({ value: '', unit: '', rangeLow: '60', rangeUnit: 'mL/min/{1.73_m2}' }, 'en-US')).toBe('at least 60 mL/min/1.73 m²');
    expect(panelRange({ value: '', unit: '', rangeHigh: '200' }, 'en-US')).toBe('up to 200');
    expect(panelRange({ value: '', unit: '', rangeText: 'negative' }, 'en-US')).toBe('negative');
    expect(flagLabel('H')).toBe('High');
    expect(flagLabel('L')).toBe('Low');
    expect(flagLabel('A')).toBe('Abnormal');
    expect(flagLabel('')).toBe('');
  });
});
