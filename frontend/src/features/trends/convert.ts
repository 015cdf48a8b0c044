// Showing a vital sign in the unit a family reads (lb instead of kg, in
// instead of cm, °F instead of °C). Only conversions exact by definition are
// offered — 1 lb = 0.45359237 kg, 1 in = 2.54 cm, °F = °C × 9/5 + 32 — the
// same ones Go uses (internal/records/labunits.go); lab units are converted
// (or not) in Go, where the analytes' molar masses are listed. A converted
// point keeps what the source recorded in `from`, so the table says so.

import type { Point, Series } from './trend';

type Conv = { to: string; f: (v: number) => number };

// UCUM spellings and their exact counterparts.
const EXACT: Record<string, Conv[]> = {
  kg: [{ to: '[lb_av]', f: (v) => v / 0.45359237 }],
  '[lb_av]': [{ to: 'kg', f: (v) => v * 0.45359237 }],
  cm: [{ to: '[in_i]', f: (v) => v / 2.54 }],
  '[in_i]': [{ to: 'cm', f: (v) => v * 2.54 }],
  Cel: [{ to: '[degF]', f: (v) => (v * 9) / 5 + 32 }],
  '[degF]': [{ to: 'Cel', f: (v) => ((v - 32) * 5) / 9 }],
};

const ALIASES: Record<string, string> = {
  kg: 'kg', lb: '[lb_av]', lbs: '[lb_av]', '[lb_av]': '[lb_av]',
  cm: 'cm', in: '[in_i]', '[in_i]': '[in_i]',
  cel: 'Cel', '°c': 'Cel', '[degf]': '[degF]', '°f': '[degF]',
};

function canonical(unit: string): string {
  return ALIASES[unit.trim().toLowerCase()] ?? unit.trim();
}

/** The units a series in `unit` can also be shown in, exactly. */
export function alternatives(unit: string): string[] {
  return (EXACT[canonical(unit)] ?? []).map((c) => c.to);
}

/** v converted from one unit to another when exact (or the same unit); null otherwise. */
export function convert(v: number, from: string, to: string): number | null {
  const f = canonical(from);
  const t = canonical(to);
  if (f === t) return v;
  const c = (EXACT[f] ?? []).find((x) => x.to === t);
  return c ? c.f(v) : null;
}

/**
 * The series with every point in `to`, each converted point keeping what was
 * recorded; the series itself when `to` is its unit or not an exact
 * alternative (never a half-converted axis).
 */
export function convertSeries(s: Series, to: string): Series {
  if (canonical(to) === canonical(s.unit) || !alternatives(s.unit).includes(canonical(to))) return s;
  const c = (v: number | null | undefined) => (v === null || v === undefined ? v : convert(v, s.unit, to));
  const points: Point[] = (s.points ?? []).map((p) => {
    if (p.value === null || p.value === undefined) return { ...p, unit: to };
    return {
      ...p,
      value: c(p.value) ?? undefined,
      value2: c(p.value2) ?? undefined,
      low: c(p.low) ?? undefined,
      high: c(p.high) ?? undefined,
      unit: to,
      from: p.from ?? { value: p.value, low: p.low, high: p.high, unit: p.unit },
    };
  });
  return { ...s, unit: to, converted: true, points };
}
