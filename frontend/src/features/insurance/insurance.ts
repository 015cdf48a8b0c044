// Pure helpers of the Insurance section (kept apart from the component so
// they are tested directly).
import { formatMoney } from '../../lib/format';
import type { Plain, records } from '../../lib/wire';

type Bill = Plain<records.InsuranceClaim>;
type YearTotal = Plain<records.InsuranceYear>;

/** Whole cents as money in the person's locale and the record's currency; "not stated" when the records do not say. */
export function money(cents: number | null | undefined, currency: string, locale?: string): string {
  if (cents === null || cents === undefined || !Number.isFinite(cents)) return 'not stated';
  // Cents are exact integers from Go; one division gives the two-decimal amount Intl formats.
  return formatMoney(cents / 100, currency || undefined, locale);
}

/** The record to open for a bill: the explanation of benefit (it has the money), else the claim. */
export function billRecord(b: Bill): number {
  return b.eobId || b.claimId || b.id;
}

export interface YearGroup {
  year: string;
  bills: Bill[];
  totals: YearTotal[];
}

/**
 * Bills (newest first, as Go pages them) grouped by calendar year, each with
 * the year's totals Go computed over the whole year (one per currency).
 * Bills without a date come last, under "Undated".
 */
export function groupByYear(bills: Bill[], totals: Map<string, YearTotal[]>): YearGroup[] {
  const out: YearGroup[] = [];
  for (const b of bills) {
    const y = /^\d{4}/.test(b.date) ? b.date.slice(0, 4) : '';
    let g = out.find((x) => x.year === y);
    if (!g) {
      g = { year: y, bills: [], totals: totals.get(y) ?? [] };
      out.push(g);
    }
    g.bills.push(b);
  }
  return out;
}

/**
 * A Coverage's member id read from its raw JSON, the way Go picks it:
 * subscriberId, else the identifier typed MB (member number), else the
 * first identifier. Only called when the person asks to reveal it.
 */
export function memberIdFromRaw(raw: string): string {
  type Ident = { value?: string; type?: { coding?: { code?: string }[] } };
  let r: { subscriberId?: string; identifier?: Ident[] };
  try {
    r = JSON.parse(raw);
  } catch {
    return '';
  }
  if (typeof r.subscriberId === 'string' && r.subscriberId) return r.subscriberId;
  const ids = Array.isArray(r.identifier) ? r.identifier : [];
  const mb = ids.find((i) => i.value && i.type?.coding?.some((c) => c.code === 'MB'));
  return mb?.value ?? ids.find((i) => i.value)?.value ?? '';
}
