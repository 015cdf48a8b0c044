// Plain-words text for syncing: progress phases, results and history rows.
// Pure functions. Only counts and resource-type names go in; never health data.
import { plural } from '../../lib/format';
import { providersync, SyncTask, type SyncFailure, type SyncProgress, type SyncRun, type SyncSummary } from '../../lib/wire';

const PHASES: Record<string, string> = {
  [providersync.Phase.Waiting]: 'Waiting for another Fasten to finish syncing this vault',
  [providersync.Phase.Planning]: 'Looking at what the provider offers',
  [providersync.Phase.Fetching]: 'Downloading records',
  [providersync.Phase.References]: 'Fetching related records',
  [providersync.Phase.Attachments]: 'Downloading documents',
  [providersync.Phase.Done]: 'Finishing up',
} satisfies Record<providersync.Phase, string>;

export function phaseText(phase: string): string {
  return PHASES[phase] ?? 'Updating';
}

/** "Downloading records · 1,234 records so far" style second line. */
export function progressCount(p: SyncProgress): string {
  return `${plural(p.resources ?? 0, 'record')} so far`;
}

/**
 * While the provider has asked Fasten to wait: "The provider asked Fasten to
 * wait · continuing in 40 s" (or "in 3 min"); '' when it has not, or once
 * the time has passed (the requests go on by themselves).
 */
export function pauseText(p: SyncProgress, now: number): string {
  const until = p.pausedUntil ? Date.parse(p.pausedUntil) : NaN;
  if (!Number.isFinite(until) || until <= now) return '';
  const secs = Math.ceil((until - now) / 1000);
  const left = secs < 90 ? `${secs} s` : `${Math.round(secs / 60)} min`;
  return `The provider asked Fasten to wait · continuing in ${left}`;
}

/** "Observation (3 pages)", "12 related records", "2 documents". */
export function failureWhat(f: SyncFailure): string {
  const n = f.count || 1;
  if (f.task === SyncTask.References) return plural(n, 'related record');
  if (f.task === SyncTask.Attachments) return plural(n, 'document');
  return `${f.task} (${plural(n, 'page')})`;
}

// Why, in the person's words, for the kinds of failure Go types (the
// reason is the technical detail, shown when no kind applies).
const KIND_WORDS: Record<providersync.FailureKind, string> = {
  [providersync.FailureKind.RateLimited]: 'the provider kept asking Fasten to slow down',
  [providersync.FailureKind.Unavailable]: 'the provider was unavailable',
};

function failuresText(failed: SyncFailure[]): string {
  return failed.map((f) => `${failureWhat(f)} could not be fetched: ${(f.kind && KIND_WORDS[f.kind]) || f.reason}`).join('; ');
}

export type ResultKind = 'ok' | 'partial' | 'error';

/** The last result of one connection's sync, in plain words. */
export function resultText(s: SyncSummary): { kind: ResultKind; text: string } {
  const failed = s.failed ?? [];
  if (s.error) return { kind: 'error', text: s.error.message };
  if (s.complete) {
    let text = `Up to date — ${plural(s.resources, 'record')}, ${new Intl.NumberFormat().format(s.added)} new`;
    if (s.updated) text += `, ${new Intl.NumberFormat().format(s.updated)} updated`;
    return { kind: 'ok', text };
  }
  if (failed.length) return { kind: 'partial', text: `Partly done: ${failuresText(failed)}. Fasten will try again.` };
  return { kind: 'partial', text: 'The update stopped before finishing. Fasten will pick up where it left off.' };
}

const OUTCOMES: Record<string, string> = {
  [providersync.RunStatus.Running]: 'Running',
  [providersync.RunStatus.Complete]: 'Complete',
  [providersync.RunStatus.Partial]: 'Partly done',
  [providersync.RunStatus.Interrupted]: 'Interrupted',
  [providersync.RunStatus.NeedsReconnect]: 'Needed sign-in',
  [providersync.RunStatus.Failed]: 'Failed',
} satisfies Record<providersync.RunStatus, string>;

export function outcomeWord(status: string): string {
  return OUTCOMES[status] ?? status;
}

export function outcomeClass(status: string): string {
  if (status === providersync.RunStatus.Complete) return 'badge-ok';
  if (status === providersync.RunStatus.Failed) return 'badge-danger';
  if (status === providersync.RunStatus.Running) return '';
  return 'badge-warn';
}

/** "45 s", "3 min", "1 h 5 min"; '' when it has not finished. */
export function duration(startedAt: string, finishedAt: string): string {
  const a = Date.parse(startedAt);
  const b = Date.parse(finishedAt);
  if (!finishedAt || Number.isNaN(a) || Number.isNaN(b) || b < a) return '';
  const s = Math.round((b - a) / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** "1,234 records received, 12 new, 3 updated, 2 documents". */
export function runCounts(r: SyncRun): string {
  const c = r.counts ?? {};
  const fmt = (n: number) => new Intl.NumberFormat().format(n);
  const parts = [`${plural(c.resources ?? 0, 'record')} received`];
  if (c.added) parts.push(`${fmt(c.added)} new`);
  if (c.updated) parts.push(`${fmt(c.updated)} updated`);
  if (c.references) parts.push(plural(c.references, 'related record'));
  if (c.attachments) parts.push(plural(c.attachments, 'document'));
  if (c.gone) parts.push(`${fmt(c.gone)} no longer at the provider (kept)`);
  if (c.skipped) parts.push(`${fmt(c.skipped)} skipped`);
  return parts.join(', ');
}

/** "Observation (3 pages): reason" per failure, for the history. */
export function runFailures(r: SyncRun): string[] {
  return (r.errors ?? []).map((f) => `${failureWhat(f)}: ${f.reason}`);
}

