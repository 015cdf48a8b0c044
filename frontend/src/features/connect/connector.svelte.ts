// Provider connection state lives here (not in a component) so a sign-in that
// finishes in the browser is picked up wherever the person is in the app.
// Everything is in memory only and cleared on lock; the only thing kept while
// locked is Go's "a sign-in came back, unlock to finish" notice, which names
// nobody.
import * as api from '../../lib/api';
import { household, onReset, onUnlock } from '../../lib/session.svelte';
import { app, type connect, type UIError } from '../../lib/wire';

/** What StartConnection is called with; kept to open the sign-in page again. */
export interface ConnectTarget {
  personId: number;
  /** Catalog id, or '' for "Other provider". */
  providerId: string;
  fhirBase: string;
  name: string;
  /** The catalog's vendor ('' for "Other provider"): whose client registration the sign-in uses. */
  vendor: string;
}

export type ConnectPhase = 'idle' | 'starting' | 'waiting' | 'done' | 'error';

const WAITING_DEFAULT = 'A sign-in came back. Unlock your vault to finish connecting.';

class Connector {
  phase = $state<ConnectPhase>('idle');
  target = $state<ConnectTarget | null>(null);
  /** Provider name as Go reports it (falls back to what we asked for). */
  providerName = $state('');
  /** StartConnection's own error, shown inline under the form. */
  startError = $state('');
  /** StartConnection failed because the vendor has no client id in this build (kind NotRegistered): the form says what to do instead. */
  needsRegistration = $state(false);
  /** A 'connect:error' message. */
  flowError = $state('');
  /** The sign-in address, shown in case the system browser did not open. */
  authUrl = $state('');
  /** The connection a 'connect:done' delivered. */
  done = $state<connect.Connection | null>(null);
  /** A result arrived while the person was on another screen. */
  unseen = $state(false);

  list = $state<connect.Connection[]>([]);
  listLoaded = $state(false);
  listError = $state('');

  /** 'connect:waiting' while locked: shown on the unlock screen. */
  waitingNotice = $state('');
  /** After unlock, a sign-in that came back while locked is being finished. */
  finishing = $state(false);

  private seq = 0;
  private listSeq = 0;
  private finishTimer: ReturnType<typeof setTimeout> | undefined;

  /** Calls StartConnection (Go opens the system browser) and waits for the result event. */
  async start(t: ConnectTarget): Promise<void> {
    const mine = ++this.seq;
    this.target = { ...t };
    this.providerName = t.name;
    this.phase = 'starting';
    this.startError = '';
    this.needsRegistration = false;
    this.flowError = '';
    this.done = null;
    this.unseen = false;
    try {
      const started = await api.startConnection(t.personId, t.providerId, t.fhirBase, t.name);
      if (mine !== this.seq) return;
      this.providerName = started?.providerName || t.name;
      this.authUrl = started?.authUrl ?? '';
      this.phase = 'waiting';
    } catch (e) {
      if (mine !== this.seq) return;
      this.phase = 'idle';
      const err = api.readError(e);
      if (err.kind === app.ErrorKind.Locked) return;
      // Go says by kind that the vendor has no client id in this build: the
      // form explains how to get the records without signing in.
      this.needsRegistration = err.kind === app.ErrorKind.NotRegistered;
      this.startError = this.needsRegistration ? '' : err.message;
    }
  }

  /** The person closed the browser: start over with a fresh sign-in. */
  async again(): Promise<void> {
    if (this.target) await this.start(this.target);
    else this.backToForm();
  }

  /** Leaves the waiting/done/error panel. A sign-in still finishing in the browser is picked up anyway. */
  backToForm(): void {
    this.seq++;
    this.phase = 'idle';
    this.startError = '';
    this.needsRegistration = false;
    this.flowError = '';
    this.done = null;
    this.unseen = false;
  }

  handleDone(c: connect.Connection): void {
    this.seq++;
    this.done = c;
    this.phase = 'done';
    this.providerName = c?.providerName || this.providerName;
    this.flowError = '';
    this.finishing = false;
    this.waitingNotice = '';
    this.unseen = true;
    void this.refreshConnections();
    void household.refreshPeople().then(() => household.changed());
  }

  handleError(err: UIError): void {
    this.seq++;
    this.flowError = err.message || 'The sign-in did not finish.';
    this.phase = 'error';
    this.finishing = false;
    this.unseen = true;
    void this.refreshConnections();
  }

  handleWaiting(message: string): void {
    this.waitingNotice = message || WAITING_DEFAULT;
  }

  /** Go finishes queued sign-ins by itself after unlock; say so until it reports. */
  afterUnlock(): void {
    if (this.waitingNotice) {
      this.waitingNotice = '';
      this.finishing = true;
      // Go always reports back; never leave a spinner behind if it somehow did not.
      clearTimeout(this.finishTimer);
      this.finishTimer = setTimeout(() => (this.finishing = false), 120_000);
    }
  }

  seen(): void {
    this.unseen = false;
  }

  async refreshConnections(): Promise<void> {
    const mine = ++this.listSeq;
    try {
      const list = await api.connections();
      if (mine !== this.listSeq) return;
      this.list = list;
      this.listLoaded = true;
      this.listError = '';
    } catch (e) {
      if (mine !== this.listSeq) return;
      if (!api.isLockedError(e)) this.listError = api.errorMessage(e);
    }
  }

  async disconnect(id: number, deleteRecords: boolean): Promise<void> {
    await api.disconnect(id, deleteRecords);
    await this.refreshConnections();
    if (deleteRecords) {
      await household.refreshPeople();
      household.changed();
    }
  }

  /** Subscribes to Go's connect events; the app does this once, for its lifetime. */
  listen(): () => void {
    const offs = [
      api.onConnectDone((c) => this.handleDone(c)),
      api.onConnectError((m) => this.handleError(m)),
      api.onConnectWaiting((m) => this.handleWaiting(m)),
    ];
    return () => offs.forEach((off) => off());
  }

  reset(): void {
    this.seq++;
    this.listSeq++;
    this.phase = 'idle';
    this.target = null;
    this.providerName = '';
    this.authUrl = '';
    this.startError = '';
    this.needsRegistration = false;
    this.flowError = '';
    this.done = null;
    this.unseen = false;
    this.list = [];
    this.listLoaded = false;
    this.listError = '';
    this.waitingNotice = '';
    this.finishing = false;
    clearTimeout(this.finishTimer);
  }
}

export const connector = new Connector();
onReset(() => connector.reset());
onUnlock(() => connector.afterUnlock());
