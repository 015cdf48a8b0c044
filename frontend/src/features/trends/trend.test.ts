import { describe, expect, it } from 'vitest';
import { ageLabel, chartPoints, findKey, normName, pointRange, pointSentence, pointValue, seriesKey, stepPoint, type Point, type Series } from './trend';

function point(over: Partial<Point> = {}): Point {
  return { date: '2024-01-02', value: 5, unit: 'mmol/L', flag: '', abnormal: false, sources: [{ record: 1, source: 'Clinic' }], ...over };
}

function series(points: Point[], over: Partial<Series> = {}): Series {
  return { key: 'loinc:2345-7', code: '2345-7', system: 'http://loinc.org', display: 'Glucose', kind: 'lab', unit: 'mmol/L', converted: false, pair: false, growth: false, points, ...over };
}

describe('series keys', () => {
  it('are the LOINC code, else the name as Go normalises it', () => {
    expect(seriesKey({ codeSystem: 'http://loinc.org', code: '2093-3', display: 'Cholesterol' })).toBe('loinc:2093-3');
    // The same names Go groups in TestLabsGroupingUnitsAndNearMisses.
    expect(seriesKey({ codeSystem: 'http://example.org', code: 'VD25', display: 'Vitamin D, 25-hydroxy' })).toBe('text:vitamin d 25 hydroxy');
    expect(normName('vitamin d 25 hydroxy')).toBe(normName('Vitamin D 25-Hydroxy'));
    expect(normName('Glucose [Mass/volume] in Serum or Plasma')).toBe('glucose mass volume in serum or plasma');
  });

  it('find a result joined to a LOINC test by name', () => {
    const list = [{ key: 'loinc:2345-7', code: '2345-7', system: 'http://loinc.org', display: 'Glucose', kind: 'lab', unit: 'mg/dL', count: 3, pair: false, growth: false, latest: point() }];
    expect(findKey(list, { codeSystem: 'local', code: 'GLU', display: 'GLUCOSE' })).toBe('loinc:2345-7');
    expect(findKey(list, { codeSystem: 'local', code: 'X', display: 'Ferritin' })).toBeNull();
  });
});

describe('points in words', () => {
  it('read values, pairs, words, ranges and flags in plain language', () => {
    expect(pointValue(point({ value: 5.123456 }))).toBe('5.12 mmol/L');
    expect(pointValue(point({ value: 120, value2: 80, unit: 'mm[Hg]' }))).toBe('120/80 mmHg');
    expect(pointValue(point({ value: undefined, text: 'Negative' }))).toBe('Negative');
    expect(pointRange(point({ low: 3.9, high: 5.6 }))).toBe('3.9–5.6 mmol/L');
    expect(pointRange(point({ low: 40 }))).toBe('at least 40 mmol/L');
    expect(pointRange(point({ range: '<5.6' }))).toBe('<5.6');
    const s = series([]);
    const said = pointSentence(s, point({ value: 9, high: 5.6, flag: 'H', abnormal: true, sources: [{ record: 1, source: 'Clinic' }, { record: 2, source: 'Portal' }], from: { value: 162, unit: 'mg/dL' } }));
    expect(said).toMatch(/^Glucose, .*2024.*: 9 mmol\/L, High, normal range up to 5\.6 mmol\/L, converted from 162 mg\/dL, from Clinic, Portal$/);
    expect(said).not.toMatch(/Observation|LOINC|valueQuantity/);
  });

  it('says a child\'s age in months, then years and months', () => {
    expect(ageLabel(0.5)).toBe('6 months');
    expect(ageLabel(1)).toBe('12 months');
    expect(ageLabel(2.25)).toBe('2 years 3 months');
    expect(ageLabel(7)).toBe('7 years');
  });
});

describe('chart points', () => {
  it('draws numbers only, in time or age order', () => {
    const s = series([point({ date: '2024-03-01', value: 2, age: 3 }), point({ date: '2024-01-01', value: 1, age: 1 }), point({ date: '2024-02-01', value: undefined, text: 'see note' })]);
    expect(chartPoints(s, false).map((q) => q.p.value)).toEqual([1, 2]);
    expect(chartPoints(s, true).map((q) => q.x)).toEqual([1, 3]);
  });

  it('moves between points with the arrow keys, Home and End', () => {
    expect(stepPoint('ArrowRight', -1, 5)).toBe(0);
    expect(stepPoint('ArrowLeft', -1, 5)).toBe(4);
    expect(stepPoint('ArrowRight', 4, 5)).toBe(4);
    expect(stepPoint('ArrowLeft', 0, 5)).toBe(0);
    expect(stepPoint('End', 0, 5)).toBe(4);
    expect(stepPoint('Home', 3, 5)).toBe(0);
    expect(stepPoint('PageUp', 0, 30)).toBe(10);
    expect(stepPoint('a', 0, 5)).toBeNull();
    expect(stepPoint('ArrowRight', -1, 0)).toBeNull();
  });
});
