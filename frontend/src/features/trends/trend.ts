// What the Trends view says about a series and its points, in words a family
// reads: values with readable units, normal ranges, flags, sources. The
// shapes are Go's (records.LabSeries, records.LabPoint); nothing here
// changes a value except the exact unit conversions of convert.ts.

import { cleanDisplay, formatDate, formatNumber, withUnit } from '../../lib/format';
import { readableUnit } from '../../lib/units';
import type { Plain, records } from '../../lib/wire';
import { flagText } from '../dashboard/flags';

export type Series = Plain<records.LabSeries>;
export type Point = Plain<records.LabPoint>;
export type SeriesInfo = Plain<records.LabSeriesInfo>;

const LOINC = 'http://loinc.org';

/**
 * The key of the series a result belongs to, as Go builds it
 * (records.groupLabs): "loinc:CODE" for a LOINC-coded result, else
 * "text:" and the name lower-cased, letters and digits only, one space
 * between words. A result without LOINC that Go joined to a LOINC test by
 * name is found under that test's key in the list (see findKey).
 */
export function seriesKey(item: { codeSystem?: string | null; code?: string | null; display?: string | null }): string {
  if (item.codeSystem === LOINC && item.code) return `loinc:${item.code}`;
  return `text:${normName(item.display ?? '')}`;
}

/** Go's normName: cleaned display, lower case, runs of anything but letters and digits as one space. */
export function normName(display: string): string {
  return cleanDisplay(display)
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)
    .join(' ');
}

/** The key in list for a result: its own, or the LOINC test it was joined to by name. */
export function findKey(list: SeriesInfo[], item: { codeSystem?: string | null; code?: string | null; display?: string | null }): string | null {
  const key = seriesKey(item);
  if (list.some((s) => s.key === key)) return key;
  const name = normName(item.display ?? '');
  const byName = list.find((s) => normName(s.display) === name);
  return byName ? byName.key : null;
}

/** A point's value as read: "210 mg/dL", "120/80 mmHg", or the words the source wrote. */
export function pointValue(p: Point, code = ''): string {
  if (p.value === null || p.value === undefined) return cleanDisplay(p.text ?? '') || '—';
  let v = formatNumber(p.value, undefined, 2);
  if (p.value2 !== null && p.value2 !== undefined) v += `/${formatNumber(p.value2, undefined, 2)}`;
  return withUnit(v, readableUnit(p.unit, code));
}

/** "70–99 mg/dL", "at least 40", the source's own words, or "" when it gave none. */
export function pointRange(p: Point, code = ''): string {
  const unit = readableUnit(p.unit, code);
  const lo = p.low ?? null;
  const hi = p.high ?? null;
  if (lo !== null && hi !== null) return withUnit(`${formatNumber(lo)}–${formatNumber(hi)}`, unit);
  if (lo !== null) return `at least ${withUnit(formatNumber(lo), unit)}`;
  if (hi !== null) return `up to ${withUnit(formatNumber(hi), unit)}`;
  return cleanDisplay(p.range ?? '');
}

/** The flag in words ("High"), "" for a result inside its range or without one. */
export function pointFlag(p: Point): string {
  return p.abnormal ? flagText(p.flag).label : '';
}

/** Where a point came from: every source, once each. */
export function pointSources(p: Point): string {
  const names = [...new Set((p.sources ?? []).map((s) => cleanDisplay(s.source) || 'Imported file'))];
  return names.join(', ');
}

/** "Converted from 5.5 mmol/L" for a point Go converted, "" otherwise. */
export function convertedNote(p: Point, code = ''): string {
  if (!p.from) return '';
  return `Converted from ${withUnit(formatNumber(p.from.value, undefined, 2), readableUnit(p.from.unit, code))}`;
}

/** Everything about one point in a sentence: what a screen reader hears when the chart's cursor lands on it. */
export function pointSentence(s: Series, p: Point): string {
  const parts = [`${cleanDisplay(s.display)}, ${formatDate(p.date)}: ${pointValue(p, s.code)}`];
  const flag = pointFlag(p);
  if (flag) parts.push(flag);
  const range = pointRange(p, s.code);
  if (range) parts.push(`normal range ${range}`);
  const conv = convertedNote(p, s.code);
  // "converted from 162 mg/dL": only the first letter lowered, units keep their case.
  if (conv) parts.push(conv[0].toLowerCase() + conv.slice(1));
  const src = pointSources(p);
  if (src) parts.push(`from ${src}`);
  return parts.join(', ');
}

/** Age in years as said for growth: "8 months", "2 years 3 months". */
export function ageLabel(years: number): string {
  const months = Math.floor(years * 12 + 1e-9);
  if (months < 24) return months === 1 ? '1 month' : `${months} months`;
  const y = Math.floor(months / 12);
  const m = months % 12;
  return m === 0 ? `${y} years` : `${y} years ${m} month${m === 1 ? '' : 's'}`;
}

/** A child's growth is drawn against age: a growth series with ages, of someone under 18 at the last point. */
export function byAgeAvailable(s: Series): boolean {
  if (!s.growth) return false;
  const pts = (s.points ?? []).filter((p) => p.age !== null && p.age !== undefined);
  return pts.length > 0 && (pts[pts.length - 1].age ?? 99) < 18;
}

/** The points a chart draws: numbers only, in time (or age) order, with their x. */
export function chartPoints(s: Series, byAge: boolean): { x: number; p: Point }[] {
  const out: { x: number; p: Point }[] = [];
  for (const p of s.points ?? []) {
    if (p.value === null || p.value === undefined) continue;
    const x = byAge ? p.age : Date.parse(p.date.length === 10 ? `${p.date}T12:00:00Z` : p.date) / 1000;
    if (x === null || x === undefined || !Number.isFinite(x)) continue;
    out.push({ x, p });
  }
  out.sort((a, b) => a.x - b.x);
  return out;
}

/**
 * The point a key moves to from index i among n points (Left/Right one,
 * Home/End to the ends, PageUp/PageDown ten), or null when the key is not
 * one the chart uses.
 */
export function stepPoint(key: string, i: number, n: number): number | null {
  if (n === 0) return null;
  const at = i < 0 ? (key === 'ArrowLeft' || key === 'End' ? n : -1) : i;
  switch (key) {
    case 'ArrowRight':
    case 'ArrowUp':
      return Math.min(n - 1, at + 1);
    case 'ArrowLeft':
    case 'ArrowDown':
      return Math.max(0, at - 1);
    case 'PageUp':
      return Math.min(n - 1, at + 10);
    case 'PageDown':
      return Math.max(0, at - 10);
    case 'Home':
      return 0;
    case 'End':
      return n - 1;
  }
  return null;
}
