// How an out-of-range result's flag reads. The flag is Go's
// (records.FlaggedResult.flag): the source's v3 ObservationInterpretation
// code, or H/L Go derived from the reference range. Each reads as words and
// a glyph, so the flag never depends on colour alone (WCAG 1.4.1).

import { formatNumber, withUnit } from '../../lib/format';
import { readableUnit } from '../../lib/units';
import type { records } from '../../lib/wire';

export type FlagTone = 'high' | 'low' | 'abnormal';

export interface FlagText {
  /** "High", "Critically low", "Abnormal"… */
  label: string;
  /** ▲ for above, ▼ for below, ! otherwise: shown next to the label, hidden from screen readers. */
  glyph: string;
  tone: FlagTone;
}

const FLAGS: Record<string, FlagText> = {
  H: { label: 'High', glyph: '▲', tone: 'high' },
  HH: { label: 'Critically high', glyph: '▲▲', tone: 'high' },
  HU: { label: 'Very high', glyph: '▲▲', tone: 'high' },
  '>': { label: 'Above range', glyph: '▲', tone: 'high' },
  L: { label: 'Low', glyph: '▼', tone: 'low' },
  LL: { label: 'Critically low', glyph: '▼▼', tone: 'low' },
  LU: { label: 'Very low', glyph: '▼▼', tone: 'low' },
  '<': { label: 'Below range', glyph: '▼', tone: 'low' },
  A: { label: 'Abnormal', glyph: '!', tone: 'abnormal' },
  AA: { label: 'Critically abnormal', glyph: '!!', tone: 'abnormal' },
  POS: { label: 'Positive', glyph: '!', tone: 'abnormal' },
  DET: { label: 'Detected', glyph: '!', tone: 'abnormal' },
};

/** A flag code as words; a code this build does not know still reads as "Out of range". */
export function flagText(code: string): FlagText {
  return FLAGS[code] ?? { label: 'Out of range', glyph: '!', tone: 'abnormal' };
}

/** "Normal range 3.5–5 mmol/L": the source's own text when it gave one, else built from low/high. */
export function normalRange(f: Pick<records.FlaggedResult, 'low' | 'high' | 'range'> & { result: Pick<records.Item, 'unit'> }): string {
  if (f.range?.trim()) return `Normal range ${f.range.trim()}`;
  const unit = readableUnit(f.result.unit ?? '');
  const lo = f.low ?? null;
  const hi = f.high ?? null;
  if (lo !== null && hi !== null) return `Normal range ${withUnit(`${formatNumber(lo)}–${formatNumber(hi)}`, unit)}`;
  if (lo !== null) return `Normal range at least ${withUnit(formatNumber(lo), unit)}`;
  if (hi !== null) return `Normal range up to ${withUnit(formatNumber(hi), unit)}`;
  return '';
}

/** An age in whole years as a family says it. */
export function ageText(age: number | null | undefined): string {
  if (age === null || age === undefined) return '';
  if (age < 1) return 'Under a year old';
  return age === 1 ? '1 year old' : `${age} years old`;
}
