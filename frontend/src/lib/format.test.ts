import { describe, expect, it } from 'vitest';
import {
  baseName,
  fitName,
  kindLabel,
  cleanPatientName,
  formatBytes,
  formatDate,
  formatDateRange,
  formatStatus,
  formatValue,
  initials,
  percent,
  plural,
  prettyUnit,
  typeLabel,
} from './format';
import { throttle } from './activity';

describe('typeLabel', () => {
  it('uses friendly names for known types', () => {
    expect(typeLabel('Observation')).toBe('Observations & results');
    expect(typeLabel('MedicationRequest')).toBe('Medications');
    expect(typeLabel('Condition')).toBe('Conditions');
    expect(typeLabel('AllergyIntolerance')).toBe('Allergies');
  });
  it('splits unknown CamelCase types into words', () => {
    expect(typeLabel('NutritionOrder')).toBe('Nutrition order');
  });
});

describe('formatDate', () => {
  it('formats full dates without shifting the day', () => {
    expect(formatDate('2020-05-17', 'en-US')).toBe('May 17, 2020');
    expect(formatDate('2020-01-01', 'en-US')).toBe('Jan 1, 2020');
  });
  it('keeps the precision of partial dates', () => {
    expect(formatDate('2019', 'en-US')).toBe('2019');
    expect(formatDate('2019-03', 'en-US')).toBe('Mar 2019');
  });
  it('handles instants, empties and garbage', () => {
    expect(formatDate('2021-07-04T12:00:00Z', 'en-US')).toMatch(/Jul [45], 2021/);
    expect(formatDate('', 'en-US')).toBe('');
    expect(formatDate(undefined)).toBe('');
    expect(formatDate('not a date')).toBe('not a date');
  });
  it('formats ranges', () => {
    expect(formatDateRange('2019-01-02', '2019-01-05', 'en-US')).toBe('Jan 2, 2019 – Jan 5, 2019');
    expect(formatDateRange('2019-01-02', '', 'en-US')).toBe('Jan 2, 2019');
    expect(formatDateRange('2019-01-02', '2019-01-02', 'en-US')).toBe('Jan 2, 2019');
  });
});

describe('formatValue', () => {
  it('rounds numbers and appends the unit', () => {
    expect(formatValue({ valueNum: 72.456, unit: 'kg' }, 'en-US')).toBe('72.456 kg');
    expect(formatValue({ valueNum: 98, unit: '%' }, 'en-US')).toBe('98%');
    expect(formatValue({ valueNum: 60, unit: '{beats}/min' }, 'en-US')).toBe('60 beats/min');
    expect(formatValue({ valueNum: 0, unit: '' }, 'en-US')).toBe('0');
  });
  it('falls back to the text value', () => {
    expect(formatValue({ valueNum: null, valueText: 'Negative' })).toBe('Negative');
    expect(formatValue({ valueNum: null, valueText: '120/80', unit: 'mm[Hg]' })).toBe('120/80 mmHg');
    expect(formatValue({ valueNum: null, valueText: '' })).toBe('');
    expect(formatValue({ valueNum: null, valueText: 'Cloudy urine (finding)' })).toBe('Cloudy urine');
  });
  it('prettyUnit drops UCUM braces', () => {
    expect(prettyUnit('{score}')).toBe('score');
  });
});

describe('small helpers', () => {
  it('initials', () => {
    expect(initials('Ada Lovelace')).toBe('AL');
    expect(initials('  cher ')).toBe('C');
    expect(initials('Mary Ann Smith')).toBe('MS');
    expect(initials('')).toBe('?');
  });
  it('cleanPatientName removes Synthea digits', () => {
    expect(cleanPatientName('Ana972 Ruiz428')).toBe('Ana Ruiz');
    expect(cleanPatientName('Mr. Bob12  Ray7')).toBe('Mr. Bob Ray');
  });
  it('plural', () => {
    expect(plural(1, 'record')).toBe('1 record');
    expect(plural(2, 'record')).toBe('2 records');
    expect(plural(0, 'person', 'people')).toBe('0 people');
  });
  it('formatBytes and percent', () => {
    expect(formatBytes(500)).toBe('500 B');
    expect(formatBytes(2048)).toBe('2 KB');
    expect(formatBytes(5 * 1024 * 1024)).toBe('5 MB');
    expect(percent(50, 200)).toBe(25);
    expect(percent(5, 0)).toBe(0);
    expect(percent(300, 200)).toBe(100);
  });
  it('formatStatus and baseName', () => {
    expect(formatStatus('entered-in-error')).toBe('Entered in error');
    expect(baseName('/home/a/b/bundle.json')).toBe('bundle.json');
    expect(baseName('C:\\x\\y.ndjson')).toBe('y.ndjson');
  });
});

describe('throttle', () => {
  it('calls at most once per interval', () => {
    let t = 0;
    let calls = 0;
    const f = throttle(() => calls++, 30_000, () => t);
    f();
    f();
    t = 29_999;
    f();
    expect(calls).toBe(1);
    t = 30_000;
    f();
    expect(calls).toBe(2);
  });
});

describe('kindLabel', () => {
  it('names an observation by its category in plain words', () => {
    expect(kindLabel('Observation', 'laboratory')).toBe('Lab result');
    expect(kindLabel('Observation', 'vital-signs')).toBe('Vital sign');
    expect(kindLabel('Observation', 'survey')).toBe('Questionnaire answer');
    expect(kindLabel('Observation', 'something-new')).toBe('Result');
    expect(kindLabel('Observation', '')).toBe('Result');
  });
  it('names reports by their section, other types by their singular', () => {
    expect(kindLabel('DiagnosticReport', 'LAB')).toBe('Lab report');
    expect(kindLabel('DiagnosticReport', '34117-2')).toBe('Visit note');
    expect(kindLabel('DiagnosticReport', 'XYZ')).toBe('Report');
    expect(kindLabel('Encounter', 'AMB')).toBe('Visit');
    expect(kindLabel('MedicationRequest')).toBe('Medication');
    expect(kindLabel('ServiceRequest')).toBe('Referral or order');
  });
  it('never shows a FHIR type name for the types a family meets', () => {
    for (const t of ['Observation', 'MedicationRequest', 'MedicationStatement', 'Condition', 'AllergyIntolerance', 'Immunization',
      'Procedure', 'Encounter', 'DiagnosticReport', 'DocumentReference', 'CarePlan', 'CareTeam', 'Goal', 'ImagingStudy',
      'ExplanationOfBenefit', 'PractitionerRole', 'QuestionnaireResponse', 'FamilyMemberHistory']) {
      expect(kindLabel(t), t).not.toMatch(/[a-z][A-Z]/);
    }
  });
});

describe('fitName', () => {
  it('leaves a normal name alone and cuts a long one under the 200-byte limit Go enforces', () => {
    expect(fitName('Ana Ruiz')).toBe('Ana Ruiz');
    const long = 'Ana '.repeat(80);
    const cut = fitName(long);
    expect(new TextEncoder().encode(cut).length).toBeLessThanOrEqual(200);
    expect(cut.endsWith('Ana')).toBe(true);
    const wide = 'é'.repeat(150); // 300 bytes, no spaces
    expect(new TextEncoder().encode(fitName(wide)).length).toBe(200);
    expect(cleanPatientName('Wren1 '.repeat(60)).length).toBeLessThanOrEqual(200);
  });
});

describe('statusWorthShowing', () => {
  it('hides the usual state of each kind and shows what stands out', async () => {
    const { statusWorthShowing } = await import('./format');
    expect(statusWorthShowing('DocumentReference', 'current')).toBe(false);
    expect(statusWorthShowing('DocumentReference', 'superseded')).toBe(true);
    expect(statusWorthShowing('DiagnosticReport', 'final')).toBe(false);
    expect(statusWorthShowing('DiagnosticReport', 'preliminary')).toBe(true);
    expect(statusWorthShowing('Encounter', 'finished')).toBe(false);
    expect(statusWorthShowing('Encounter', 'in-progress')).toBe(true);
    expect(statusWorthShowing('Condition', 'active')).toBe(true);
    expect(statusWorthShowing('Observation', 'final')).toBe(false);
    expect(statusWorthShowing('Condition', '')).toBe(false);
  });
});
