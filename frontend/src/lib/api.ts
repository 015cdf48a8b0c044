// The ONE module that talks to the generated Wails bindings (frontend/wailsjs).
// Every other file imports from here, so tests can vi.mock('$lib/api') and the
// generated code can be regenerated freely.
//
// All methods return Promises. Go errors arrive as rejected strings; they are
// turned into Error objects here. A message mentioning "locked" means the vault
// locked itself behind our back: the registered lock handler runs, so the app
// drops everything it holds in memory and shows the unlock screen.

import * as Go from '../../wailsjs/go/app/App';
import { EventsOn, OnFileDrop, OnFileDropOff } from '../../wailsjs/runtime/runtime';
import type {
  Connection,
  ConnectionStarted,
  Detail,
  ImportProgress,
  ImportReport,
  Item,
  Overview,
  Page,
  Person,
  ProviderResult,
  Stats,
  SyncProgress,
  SyncRun,
  SyncSummary,
  UnmatchedPatient,
  VaultStatus,
  VendorRegistration,
} from './types';

export type * from './types';

/** Turns whatever a binding rejected with into a readable message. */
export function errorMessage(e: unknown): string {
  if (typeof e === 'string') return e;
  if (e instanceof Error) return e.message;
  if (e && typeof e === 'object' && 'message' in e) return String((e as { message: unknown }).message);
  return 'Something went wrong.';
}

export function isLockedError(e: unknown): boolean {
  return /\blocked\b/i.test(errorMessage(e));
}

let lockedHandler: ((reason: string) => void) | null = null;

/** The app registers what to do when a call finds the vault locked. */
export function onLockedError(fn: ((reason: string) => void) | null): void {
  lockedHandler = fn;
}

const NOT_CONNECTED = 'Fasten is not connected to its engine. Open it from the Fasten app (or `wails dev`).';

async function call<T>(fn: () => Promise<unknown>, lockAware = true): Promise<T> {
  if (typeof window !== 'undefined' && !(window as unknown as { go?: unknown }).go) throw new Error(NOT_CONNECTED);
  try {
    return (await fn()) as T;
  } catch (e) {
    const msg = errorMessage(e);
    if (lockAware && isLockedError(msg) && lockedHandler) lockedHandler('locked');
    throw new Error(msg);
  }
}

// The Wails runtime object exists only inside the desktop window (or the
// `wails dev` page). A plain browser has neither it nor the native dialogs.
export function hasRuntime(): boolean {
  return typeof window !== 'undefined' && 'runtime' in window && !!(window as unknown as { runtime?: unknown }).runtime;
}

// ---- vault ------------------------------------------------------------------
export const status = (): Promise<VaultStatus> => call<VaultStatus>(() => Go.Status(), false);
export const createVault = (pass: string, confirm: string): Promise<string> =>
  call<string>(() => Go.CreateVault(pass, confirm), false);
export const unlock = (pass: string): Promise<void> => call<void>(() => Go.Unlock(pass), false);
export const unlockWithRecoveryKey = (key: string, newPass: string, confirm: string): Promise<void> =>
  call<void>(() => Go.UnlockWithRecoveryKey(key, newPass, confirm), false);
export const lock = (): Promise<void> => call<void>(() => Go.Lock(), false);
export const changePassphrase = (cur: string, next: string, confirm: string): Promise<void> =>
  call<void>(() => Go.ChangePassphrase(cur, next, confirm), false);
export const touch = (): Promise<void> => call<void>(() => Go.Touch(), false);
export const setAutoLockMinutes = (n: number): Promise<void> => call<void>(() => Go.SetAutoLockMinutes(n));

// ---- people -----------------------------------------------------------------
export const people = async (): Promise<Person[]> => (await call<Person[]>(() => Go.People())) ?? [];
export const addPerson = (name: string): Promise<Person> => call<Person>(() => Go.AddPerson(name));
export const renamePerson = (id: number, name: string): Promise<void> => call<void>(() => Go.RenamePerson(id, name));
export const removePerson = (id: number): Promise<void> => call<void>(() => Go.RemovePerson(id));
export const unmatched = async (): Promise<UnmatchedPatient[]> =>
  (await call<UnmatchedPatient[]>(() => Go.Unmatched())) ?? [];
export const assignPatient = (key: string, personId: number): Promise<void> =>
  call<void>(() => Go.AssignPatient(key, personId));
export const assignPatientToNewPerson = (key: string, name: string): Promise<Person> =>
  call<Person>(() => Go.AssignPatientToNewPerson(key, name));

// ---- import -----------------------------------------------------------------
export const chooseImportFiles = (personId: number): Promise<ImportReport> =>
  call<ImportReport>(() => Go.ChooseImportFiles(personId));
export const importFiles = (paths: string[], personId: number): Promise<ImportReport> =>
  call<ImportReport>(() => Go.ImportFiles(paths, personId));
export const importFileContent = (name: string, base64: string, personId: number): Promise<ImportReport> =>
  call<ImportReport>(() => Go.ImportFileContent(name, base64, personId));

// ---- records ----------------------------------------------------------------
export const overview = (personId: number): Promise<Overview> =>
  call<Overview>(() => Go.Overview(personId));
export const list = (personId: number, resourceType: string, query: string, offset: number, limit: number): Promise<Page> =>
  call<Page>(() => Go.List(personId, resourceType, query, offset, limit));
export const search = async (personId: number, query: string): Promise<Item[]> =>
  (await call<Item[]>(() => Go.Search(personId, query))) ?? [];
export const detail = (id: number): Promise<Detail> => call<Detail>(() => Go.Detail(id));
export const stats = (): Promise<Stats> => call<Stats>(() => Go.Stats());
export const exportTo = (): Promise<string> => call<string>(() => Go.ExportTo());

// ---- provider connections ------------------------------------------------------
/** The offline catalog; fast enough to call on every keystroke. Not lock-aware: it needs no vault. */
export const searchProviders = async (query: string): Promise<ProviderResult[]> =>
  (await call<ProviderResult[]>(() => Go.SearchProviders(query), false)) ?? [];
/** Opens the sign-in page in the system browser (Go does that, never the webview). */
export const startConnection = (personId: number, providerId: string, fhirBase: string, name: string): Promise<ConnectionStarted> =>
  call<ConnectionStarted>(() => Go.StartConnection(personId, providerId, fhirBase, name));
export const connections = async (): Promise<Connection[]> =>
  (await call<Connection[]>(() => Go.Connections())) ?? [];
export const disconnect = (id: number, deleteRecords: boolean): Promise<void> =>
  call<void>(() => Go.Disconnect(id, deleteRecords));
export const registrations = async (): Promise<VendorRegistration[]> =>
  (await call<VendorRegistration[]>(() => Go.Registrations())) ?? [];
export const setRegistration = (vendor: string, clientId: string, redirect: string): Promise<void> =>
  call<void>(() => Go.SetRegistration(vendor, clientId, redirect));

// ---- syncing ------------------------------------------------------------------
/** Starts a sync in the background (0 = every connection); progress and the outcome arrive as events.
 *  Rejects at once with "a sync is already running" when one is. */
export const syncNow = (connectionId: number): Promise<void> => call<void>(() => Go.SyncNow(connectionId));
/** A connection's recent syncs, newest first: times, counts and type names, no health data. */
export const syncHistory = async (connectionId: number): Promise<SyncRun[]> =>
  (await call<SyncRun[]>(() => Go.SyncHistory(connectionId))) ?? [];
export const setSyncIntervalHours = (hours: number): Promise<void> => call<void>(() => Go.SetSyncIntervalHours(hours));
export const syncIntervalHours = (): Promise<number> => call<number>(() => Go.SyncIntervalHours());

// ---- events -----------------------------------------------------------------
type Off = () => void;
const noop: Off = () => {};

export function onVaultLocked(fn: (reason: string) => void): Off {
  if (!hasRuntime()) return noop;
  const off = EventsOn('vault:locked', (reason: unknown) => fn(String(reason ?? '')));
  return typeof off === 'function' ? off : noop;
}

export function onImportProgress(fn: (p: ImportProgress) => void): Off {
  if (!hasRuntime()) return noop;
  const off = EventsOn('import:progress', (p: ImportProgress) => fn(p));
  return typeof off === 'function' ? off : noop;
}

/** Files dropped onto the desktop window arrive as paths (Wails ≥ 2.8). */
export function onFileDrop(fn: (paths: string[]) => void): Off {
  if (!hasRuntime()) return noop;
  try {
    OnFileDrop((_x: number, _y: number, paths: string[]) => fn(paths), false);
  } catch {
    return noop;
  }
  return () => {
    try {
      OnFileDropOff();
    } catch {
      /* window closing */
    }
  };
}

/** A provider sign-in finished: the new (or renewed) connection. */
export function onConnectDone(fn: (c: Connection) => void): Off {
  if (!hasRuntime()) return noop;
  const off = EventsOn('connect:done', (c: Connection) => fn(c));
  return typeof off === 'function' ? off : noop;
}

/** A provider sign-in failed: a message meant for the person. */
export function onConnectError(fn: (message: string) => void): Off {
  if (!hasRuntime()) return noop;
  const off = EventsOn('connect:error', (m: unknown) => fn(String(m ?? '')));
  return typeof off === 'function' ? off : noop;
}

/** A sign-in came back while the vault was locked; it finishes after unlock. */
export function onConnectWaiting(fn: (message: string) => void): Off {
  if (!hasRuntime()) return noop;
  const off = EventsOn('connect:waiting', (m: unknown) => fn(String(m ?? '')));
  return typeof off === 'function' ? off : noop;
}

/** Where a running sync is (one connection at a time; syncs also start by themselves). */
export function onSyncProgress(fn: (p: SyncProgress) => void): Off {
  if (!hasRuntime()) return noop;
  const off = EventsOn('sync:progress', (p: SyncProgress) => fn(p));
  return typeof off === 'function' ? off : noop;
}

/** A sync finished: one summary per connection it covered (possibly none). */
export function onSyncDone(fn: (results: SyncSummary[]) => void): Off {
  if (!hasRuntime()) return noop;
  const off = EventsOn('sync:done', (r: SyncSummary[] | null) => fn(Array.isArray(r) ? r : []));
  return typeof off === 'function' ? off : noop;
}
