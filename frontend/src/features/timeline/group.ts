// Grouping a timeline's items by visit. Items arrive newest first, each
// naming the row id of its visit (records.TimelineItem.encounter; an
// Encounter's is its own id, 0 for none). A visit is placed where its first
// (newest) loaded item falls, and every loaded item of the same visit joins
// it, across pages: a later page never starts a second heading for a visit
// already shown.

import type { records } from '../../lib/wire';

export type TimelineEntry =
  | {
      kind: 'visit';
      key: string;
      /** The visit's row id (opens the visit's detail). */
      encounter: number;
      /** The Encounter record itself, when it is loaded. */
      head: records.TimelineItem | null;
      /** The visit's other records, newest first. */
      items: records.TimelineItem[];
    }
  | { kind: 'item'; key: string; item: records.TimelineItem };

export function groupByVisit(items: readonly records.TimelineItem[]): TimelineEntry[] {
  const out: TimelineEntry[] = [];
  const visits = new Map<number, Extract<TimelineEntry, { kind: 'visit' }>>();
  for (const it of items) {
    if (!it.encounter) {
      out.push({ kind: 'item', key: `i${it.id}`, item: it });
      continue;
    }
    let v = visits.get(it.encounter);
    if (!v) {
      v = { kind: 'visit', key: `v${it.encounter}`, encounter: it.encounter, head: null, items: [] };
      visits.set(it.encounter, v);
      out.push(v);
    }
    if (it.id === it.encounter && it.resourceType === 'Encounter') v.head = it;
    else v.items.push(it);
  }
  return out;
}

/** The date a visit is shown under: its own start, else its newest record's. */
export function visitDate(v: Extract<TimelineEntry, { kind: 'visit' }>): string {
  return v.head?.date || v.items[0]?.date || '';
}
