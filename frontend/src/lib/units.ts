// UCUM unit codes as a person reads them. One map, used by every screen that
// shows a measured value, so "10*6/uL" never reaches the page.

const UNITS: Record<string, string> = {
  '10*6/uL': 'million/µL',
  '10*6/mm3': 'million/mm³',
  '10^6/uL': 'million/µL',
  '10*3/uL': 'thousand/µL',
  '10*3/mm3': 'thousand/mm³',
  '10^3/uL': 'thousand/µL',
  '10*9/L': 'billion/L',
  '10*12/L': 'trillion/L',
  'mm[Hg]': 'mmHg',
  'mL/min/{1.73_m2}': 'mL/min/1.73 m²',
  'mL/min/1.73m2': 'mL/min/1.73 m²',
  'kg/m2': 'kg/m²',
  m2: 'm²',
  cm2: 'cm²',
  Cel: '°C',
  '[degF]': '°F',
  '%': '%',
  '/min': '/min',
  '{beats}/min': 'beats/min',
  '{breaths}/min': 'breaths/min',
  '[lb_av]': 'lb',
  '[oz_av]': 'oz',
  '[in_i]': 'in',
  '[ft_i]': 'ft',
  'g/dL': 'g/dL',
  'mg/dL': 'mg/dL',
  'ug/L': 'µg/L',
  'ug/dL': 'µg/dL',
  'ug/mL': 'µg/mL',
  'ng/mL': 'ng/mL',
  'pg/mL': 'pg/mL',
  'umol/L': 'µmol/L',
  'mmol/L': 'mmol/L',
  'mmol/mol': 'mmol/mol',
  'meq/L': 'mEq/L',
  'mEq/L': 'mEq/L',
  'U/L': 'U/L',
  '[IU]/L': 'IU/L',
  '[IU]/mL': 'IU/mL',
  '[IU]': 'IU',
  'm[IU]/L': 'mIU/L',
  'u[IU]/mL': 'µIU/mL',
  uL: 'µL',
  ug: 'µg',
  fL: 'fL',
  pg: 'pg',
  kg: 'kg',
  g: 'g',
  mg: 'mg',
  cm: 'cm',
  mm: 'mm',
  mL: 'mL',
  L: 'L',
  a: 'years',
  mo: 'months',
  wk: 'weeks',
  d: 'days',
  h: 'hours',
  min: 'min',
  s: 's',
  '1': '',
  '{count}': '',
  '{Number}': '',
  '{nominal}': '',
};

// LOINC codes whose "/min" means heartbeats or breaths.
const PER_MINUTE: Record<string, string> = {
  '8867-4': 'beats/min', // heart rate
  '8889-8': 'beats/min', // pulse by oximetry
  '9279-1': 'breaths/min', // respiratory rate
};

/**
 * "10*6/uL" → "million/µL", "mm[Hg]" → "mmHg", "Cel" → "°C". code is the
 * observation's LOINC code when known, so a heart rate's "/min" reads
 * "beats/min". Unknown units lose UCUM's braces and brackets only.
 */
export function readableUnit(unit: string | null | undefined, code?: string): string {
  const u = (unit ?? '').trim();
  if (!u) return '';
  if (u === '/min' && code && PER_MINUTE[code]) return PER_MINUTE[code];
  if (u in UNITS) return UNITS[u];
  return u
    .replace(/\{([^}]*)\}/g, '$1')
    .replace(/\[([^\]]*)\]/g, '$1')
    .replace(/10\*(\d+)/g, '10^$1')
    .replace(/\bu(g|mol|L)\b/g, 'µ$1')
    .replace(/([a-zA-Z])2\b/g, '$1²')
    .replace(/([a-zA-Z])3\b/g, '$1³')
    .replace(/_/g, ' ')
    .trim();
}
