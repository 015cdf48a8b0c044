// In-memory application state. Nothing here is ever written to storage:
// locking (by the person, by idle time, or discovered through a failed call)
// resets it all, so no health data outlives an unlocked session.
import * as api from './api';
// Go's household package shares its name with the store below; `vault` is its generated namespace here.
import type { app, LockReason, records } from './wire';

/** 'welcome' is the first run (no vault yet): what Fasten is, then 'create' or the sample family. */
export type Phase = 'loading' | 'welcome' | 'create' | 'recovery-key' | 'unlock' | 'main' | 'fatal';

export type View =
  | { kind: 'household' }
  | { kind: 'dashboard' }
  | { kind: 'timeline' }
  | { kind: 'overview' }
  | { kind: 'list'; resourceType: string }
  | { kind: 'search'; query: string }
  | { kind: 'documents'; open?: number }
  | { kind: 'insurance' }
  | { kind: 'trends'; key?: string }
  | { kind: 'import' }
  | { kind: 'connections' }
  | { kind: 'settings'; section?: 'registrations' };

/**
 * Whether a view is one person's page. Household, Import, Connections and Settings are
 * the household's: the sidebar must not show anyone as current there.
 */
export function isPersonView(view: View): boolean {
  return view.kind !== 'household' && view.kind !== 'import' && view.kind !== 'connections' && view.kind !== 'settings';
}

class Session {
  phase = $state<Phase>('loading');
  status = $state<app.Status | null>(null);
  /** Why the unlock screen is showing (idle etc.; '' for none), shown once. */
  lockReason = $state<LockReason | ''>('');
  fatal = $state('');

  async start(): Promise<void> {
    try {
      const st = await api.status();
      this.status = st;
      this.phase = st.unlocked ? 'main' : this.lockedPhase();
    } catch (e) {
      this.fatal = api.errorMessage(e);
      this.phase = 'fatal';
    }
  }

  /** The sample family is open in place of the real vault (a banner says so on every screen). */
  get sample(): boolean {
    return !!this.status?.sample;
  }

  /** Where a closed vault leads: the welcome before the real vault exists, its unlock screen after. */
  private lockedPhase(): Phase {
    return this.status?.exists ? 'unlock' : 'welcome';
  }

  /** Opens the sample family; Go locks the real vault first. Rejects with Go's error. */
  async openSample(): Promise<void> {
    const st = await api.openSampleFamily();
    household.reset();
    this.status = st;
    this.unlocked();
  }

  /** Closes (and deletes) the sample family: back to the welcome or the unlock screen. */
  async leaveSample(): Promise<void> {
    try {
      await api.leaveSampleFamily();
    } finally {
      await this.refreshStatus();
      this.locked();
    }
  }

  async refreshStatus(): Promise<void> {
    try {
      this.status = await api.status();
    } catch {
      /* keep the last one */
    }
  }

  /** The vault is locked (event, Lock button, or a call that found it locked). */
  locked(reason: LockReason | '' = ''): void {
    household.reset();
    if (this.phase === 'create' || this.phase === 'welcome') return;
    // Leaving the sample family is not a lock of the person's vault: no notice.
    this.lockReason = this.status?.sample ? '' : reason;
    this.phase = this.lockedPhase();
    void this.refreshStatus().then(() => {
      if (this.phase === 'unlock' || this.phase === 'welcome') this.phase = this.lockedPhase();
    });
  }

  unlocked(): void {
    this.lockReason = '';
    this.phase = 'main';
    void this.refreshStatus();
    unlockHooks.forEach((fn) => fn());
  }
}

class Household {
  people = $state<records.Person[]>([]);
  loaded = $state(false);
  selectedId = $state<number | null>(null);
  view = $state<View>({ kind: 'dashboard' });
  detailId = $state<number | null>(null);
  /** Bumped after imports or edits so open views reload. */
  version = $state(0);
  error = $state('');

  get selected(): records.Person | null {
    return this.people.find((p) => p.id === this.selectedId) ?? null;
  }

  async refreshPeople(): Promise<void> {
    try {
      const list = await api.people();
      // The first list after an unlock picks the landing page: a family
      // starts at the household view, one person at their dashboard (unless
      // something, a dropped file, already chose another view).
      if (!this.loaded && list.length >= 2 && this.view.kind === 'dashboard') this.view = { kind: 'household' };
      this.people = list;
      this.loaded = true;
      this.error = '';
      if (this.selectedId === null || !list.some((p) => p.id === this.selectedId)) {
        this.selectedId = list.length ? list[0].id : null;
      }
    } catch (e) {
      if (!api.isLockedError(e)) this.error = api.errorMessage(e);
    }
  }

  select(id: number): void {
    this.selectedId = id;
    this.detailId = null;
    this.view = { kind: 'dashboard' };
  }

  go(view: View): void {
    this.view = view;
  }

  /** The family's home: the household view for two or more people, else the one person's dashboard. */
  home(): void {
    this.view = this.people.length >= 2 ? { kind: 'household' } : { kind: 'dashboard' };
  }

  openDetail(id: number): void {
    this.detailId = id;
  }

  closeDetail(): void {
    this.detailId = null;
  }

  changed(): void {
    this.version++;
  }

  /** Records were added, changed, hidden or brought back here: the views
   *  reload, and so do the people's record counts (sidebar, header). */
  recordsChanged(): void {
    this.version++;
    void this.refreshPeople();
  }

  reset(): void {
    this.people = [];
    this.loaded = false;
    this.selectedId = null;
    this.view = { kind: 'dashboard' };
    this.detailId = null;
    this.error = '';
    this.version++;
    resetHooks.forEach((fn) => fn());
  }
}

const resetHooks = new Set<() => void>();
/** Feature stores register here to drop their data on lock. */
export function onReset(fn: () => void): () => void {
  resetHooks.add(fn);
  return () => resetHooks.delete(fn);
}

const unlockHooks = new Set<() => void>();
/** Feature stores register here to pick up again after an unlock. */
export function onUnlock(fn: () => void): () => void {
  unlockHooks.add(fn);
  return () => unlockHooks.delete(fn);
}

export const household = new Household();
export const session = new Session();
