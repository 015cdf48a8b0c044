import { describe, expect, it } from 'vitest';
import { alternatives, convert, convertSeries } from './convert';
import type { Series } from './trend';

describe('exact unit conversion', () => {
  it('converts only by definition', () => {
    expect(convert(1, '[lb_av]', 'kg')).toBe(0.45359237);
    expect(convert(25.4, 'cm', '[in_i]')).toBeCloseTo(10, 12);
    expect(convert(37, 'Cel', '[degF]')).toBeCloseTo(98.6, 12);
    expect(convert(212, '[degF]', 'Cel')).toBeCloseTo(100, 12);
    expect(convert(70, 'kg', 'kg')).toBe(70);
    // Lab units need the analyte's molar mass: Go converts those, never the page.
    expect(convert(100, 'mg/dL', 'mmol/L')).toBeNull();
    expect(convert(70, 'kg', 'cm')).toBeNull();
    expect(alternatives('kg')).toEqual(['[lb_av]']);
    expect(alternatives('mg/dL')).toEqual([]);
  });

  it('converts a whole series, each point keeping what was recorded, or leaves it alone', () => {
    const s: Series = {
      key: 'loinc:29463-7', code: '29463-7', system: 'http://loinc.org', display: 'Body weight', kind: 'vital', unit: 'kg', converted: false, pair: false, growth: true,
      points: [{ date: '2024-01-01', value: 10, low: 8, unit: 'kg', flag: '', abnormal: false, sources: [] }],
    };
    const lb = convertSeries(s, '[lb_av]');
    expect(lb.unit).toBe('[lb_av]');
    expect(lb.converted).toBe(true);
    expect(lb.points![0].value).toBeCloseTo(22.0462262, 6);
    expect(lb.points![0].low).toBeCloseTo(17.6369810, 6);
    expect(lb.points![0].from).toEqual({ value: 10, low: 8, high: undefined, unit: 'kg' });
    expect(s.points![0].value).toBe(10);
    expect(convertSeries(s, 'mg/dL')).toBe(s);
  });
});
