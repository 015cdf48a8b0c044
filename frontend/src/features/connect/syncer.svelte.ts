// Sync state lives here (not in a component): syncs also start by themselves
// (after unlock on a schedule, and right after a new connection), so Go's
// sync events are followed for the app's whole life, like the connect events.
// In memory only, cleared on lock; it holds counts and type names, never
// health data.
import * as api from '../../lib/api';
import { household, onReset, session } from '../../lib/session.svelte';
import { app, providersync, type SyncProgress, type SyncRun, type SyncSummary, type UIError } from '../../lib/wire';
import { connector } from './connector.svelte';

/** If Go goes quiet this long after SyncNow, stop showing "Syncing…" (it always reports; belt and braces). */
const QUIET_MS = 5 * 60_000;

export const INTERVAL_CHOICES = [
  { hours: 6, label: '6 hours' },
  { hours: 12, label: '12 hours' },
  { hours: 24, label: 'day' },
  { hours: 168, label: 'week' },
];

class Syncer {
  /** Latest progress per connection id, while its sync runs. */
  progress = $state<Record<number, SyncProgress>>({});
  /** Last outcome per connection id (this session). */
  results = $state<Record<number, SyncSummary>>({});
  /** A sync we asked for (or one Go reported) is under way. */
  running = $state(false);
  /** Another Fasten (a `fasten sync`) holds the vault's sync lock; ours starts when it ends. */
  waiting = $state(false);
  /** SyncNow is being called. */
  starting = $state(false);
  /** SyncNow's own error and which request it answered (0 = all). */
  startError = $state('');
  startErrorFor = $state<number | null>(null);

  /** Recent runs per connection id, loaded when its History is opened. */
  history = $state<Record<number, SyncRun[]>>({});
  historyError = $state<Record<number, string>>({});
  /** Connections whose History is open (reloaded after each sync). */
  historyOpen = $state<Record<number, boolean>>({});

  /** The interval last chosen in Settings (Go's default is a day). Go offers no getter, so this
   *  mirrors the last save while the app runs; it is a preference, not health data, and survives a lock. */
  intervalHours = $state(24);

  private quietTimer: ReturnType<typeof setTimeout> | undefined;
  private gen = 0;

  get active(): boolean {
    return this.running || this.waiting || Object.keys(this.progress).length > 0;
  }

  /** Syncs every connection (0) or one. */
  async syncNow(connectionId = 0): Promise<void> {
    const mine = this.gen;
    this.starting = true;
    this.startError = '';
    this.startErrorFor = null;
    try {
      await api.syncNow(connectionId);
      if (mine !== this.gen) return;
      this.running = true;
      this.armQuietTimer();
    } catch (e) {
      if (mine !== this.gen) return;
      if (!api.isLockedError(e)) {
        this.startError = api.errorMessage(e);
        this.startErrorFor = connectionId;
      }
    } finally {
      if (mine === this.gen) this.starting = false;
    }
  }

  handleProgress(p: SyncProgress): void {
    if (session.phase !== 'main' || !p) return;
    if (p.phase === providersync.Phase.Waiting) {
      // Go sends this once, before any connection's sync starts (its
      // connectionId is 0): it belongs to the whole pass, not to a row.
      this.waiting = true;
      this.running = true;
      this.armQuietTimer();
      return;
    }
    this.waiting = false;
    if (p.phase === providersync.Phase.Done) {
      // Wails does not keep events in order: this can arrive after
      // 'sync:done', and must not bring the finished bar back.
      const { [p.connectionId]: _finished, ...rest } = this.progress;
      this.progress = rest;
      return;
    }
    this.running = true;
    this.progress = { ...this.progress, [p.connectionId]: p };
    this.armQuietTimer();
  }

  handleDone(results: SyncSummary[]): void {
    clearTimeout(this.quietTimer);
    this.running = false;
    this.waiting = false;
    this.progress = {};
    if (session.phase !== 'main') return;
    if (results.length) {
      const next = { ...this.results };
      for (const r of results) next[r.connectionId] = r;
      this.results = next;
      // A fresh result replaces a stale start error.
      this.startError = '';
      this.startErrorFor = null;
    }
    void connector.refreshConnections();
    void household.refreshPeople().then(() => household.changed());
    for (const id of Object.keys(this.historyOpen)) {
      if (this.historyOpen[+id]) void this.loadHistory(+id);
    }
  }

  /**
   * A pass that could not run at all: no connection has a summary to show
   * it, so it is said above the list (the slot of "Sync all"). Wails may
   * deliver this before or after 'sync:done'; either order ends the same.
   */
  handleFailed(err: UIError): void {
    clearTimeout(this.quietTimer);
    this.running = false;
    this.waiting = false;
    this.progress = {};
    if (session.phase !== 'main' || err.kind === app.ErrorKind.Locked) return;
    this.startError = err.message;
    this.startErrorFor = 0;
  }

  async loadHistory(connectionId: number): Promise<void> {
    const mine = this.gen;
    try {
      const runs = await api.syncHistory(connectionId);
      if (mine !== this.gen) return;
      this.history = { ...this.history, [connectionId]: runs };
      this.historyError = { ...this.historyError, [connectionId]: '' };
    } catch (e) {
      if (mine !== this.gen || api.isLockedError(e)) return;
      this.historyError = { ...this.historyError, [connectionId]: api.errorMessage(e) };
    }
  }

  toggleHistory(connectionId: number): void {
    const open = !this.historyOpen[connectionId];
    this.historyOpen = { ...this.historyOpen, [connectionId]: open };
    if (open) void this.loadHistory(connectionId);
  }

  /** Saves how often connections sync; throws Go's message. */
  async setInterval(hours: number): Promise<void> {
    await api.setSyncIntervalHours(hours);
    this.intervalHours = hours;
  }

  /** Subscribes to Go's sync events; the app does this once, for its lifetime. */
  listen(): () => void {
    const offs = [
      api.onSyncProgress((p) => this.handleProgress(p)),
      api.onSyncDone((r) => this.handleDone(r)),
      api.onSyncFailed((e) => this.handleFailed(e)),
    ];
    return () => offs.forEach((off) => off());
  }

  private armQuietTimer(): void {
    clearTimeout(this.quietTimer);
    this.quietTimer = setTimeout(() => {
      this.running = false;
      this.waiting = false;
      this.progress = {};
    }, QUIET_MS);
  }

  reset(): void {
    this.gen++;
    clearTimeout(this.quietTimer);
    this.progress = {};
    this.results = {};
    this.running = false;
    this.waiting = false;
    this.starting = false;
    this.startError = '';
    this.startErrorFor = null;
    this.history = {};
    this.historyError = {};
    this.historyOpen = {};
  }
}

export const syncer = new Syncer();
onReset(() => syncer.reset());
