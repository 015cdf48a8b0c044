// The ONE module that talks to the generated Wails bindings (frontend/wailsjs).
// Every other file imports from here, so tests can vi.mock('$lib/api') and the
// generated code can be regenerated freely. Each call's type comes from the
// generated signature (wailsjs/go/app/App.d.ts); nothing is cast.
//
// All methods return Promises. A call Go rejects throws an ApiError carrying
// Go's error kind and its message for the person (see readError). A Locked
// kind means the vault locked itself behind our back: the registered lock
// handler runs, so the app drops everything it holds in memory and shows the
// unlock screen.

import * as Go from '../../wailsjs/go/app/App';
import { EventsOn, OnFileDrop, OnFileDropOff } from '../../wailsjs/runtime/runtime';
import {
  app,
  LockReason,
  type connect,
  type household,
  type ImportProgress,
  records,
  type SyncProgress,
  type SyncRun,
  type SyncSummary,
  type session,
  type UIError,
  type Plain,
} from './wire';

const ErrorKind = app.ErrorKind;
type ErrorKind = app.ErrorKind;

/** A rejected call, read: what kind of failure, and the sentence for the person (Go's app.UIError). */
export type CallError = UIError;

/** What every wrapped call throws: an Error (stack, instanceof) that keeps Go's kind. */
export class ApiError extends Error {
  readonly kind: ErrorKind;
  constructor({ kind, message }: CallError) {
    super(message);
    this.name = 'ApiError';
    this.kind = kind;
  }
}

const KINDS: ReadonlySet<string> = new Set(Object.values(ErrorKind));
const FALLBACK = 'Something went wrong.';

function isKind(k: unknown): k is ErrorKind {
  return typeof k === 'string' && KINDS.has(k);
}

/**
 * Reads a rejected call or an error event. A bound method rejects with an
 * Error whose message is Go's UIError as JSON (see fromWire); events carry
 * {kind, message} as an object; an ApiError (what call() rethrows) carries
 * the same. Wails' own failures (bad
 * arguments, a timeout) arrive as a plain string or Error and have no kind:
 * they count as Internal, and so does a kind this build does not know. The
 * message is never parsed — only shown.
 */
export function readError(e: unknown): CallError {
  if (typeof e === 'string') return fromWire(e) ?? { kind: ErrorKind.Internal, message: e || FALLBACK };
  if (e && typeof e === 'object') {
    const kind = 'kind' in e ? e.kind : undefined;
    const raw = 'message' in e ? e.message : undefined;
    const message = typeof raw === 'string' ? raw : raw == null ? '' : String(raw);
    if (kind === undefined) {
      const wire = fromWire(message);
      if (wire) return wire;
    }
    return { kind: isKind(kind) ? kind : ErrorKind.Internal, message: message || FALLBACK };
  }
  return { kind: ErrorKind.Internal, message: FALLBACK };
}

/**
 * A bound method's rejection as the Wails v2 runtime delivers it: Go's
 * ErrorFormatter encodes the UIError as a JSON string, because the runtime
 * wraps whatever Go sent in `new Error(...)` (an object would become
 * "[object Object]"). This decodes that structure; it never interprets
 * wording. Anything else (a plain sentence) is not Go's UIError.
 */
function fromWire(message: string): CallError | null {
  if (!message.startsWith('{')) return null;
  try {
    const v: unknown = JSON.parse(message);
    if (v && typeof v === 'object' && 'kind' in v && 'message' in v && typeof v.message === 'string') {
      return { kind: isKind(v.kind) ? v.kind : ErrorKind.Internal, message: v.message || FALLBACK };
    }
  } catch {
    // not JSON: a plain message
  }
  return null;
}

/** The sentence for the person, from whatever a call rejected with. */
export function errorMessage(e: unknown): string {
  return readError(e).message;
}

/** The call failed because the vault is locked (decided by kind, never by wording). */
export function isLockedError(e: unknown): boolean {
  return readError(e).kind === ErrorKind.Locked;
}

let lockedHandler: ((reason: LockReason) => void) | null = null;

/** The app registers what to do when a call finds the vault locked. */
export function onLockedError(fn: ((reason: LockReason) => void) | null): void {
  lockedHandler = fn;
}

const NOT_CONNECTED = 'Fasten is not connected to its engine. Open it from the Fasten app (or `wails dev`).';

async function call<T>(fn: () => Promise<T>, lockAware = true): Promise<T> {
  if (typeof window !== 'undefined' && !('go' in window && window.go)) {
    throw new ApiError({ kind: ErrorKind.Internal, message: NOT_CONNECTED });
  }
  try {
    return await fn();
  } catch (e) {
    const err = readError(e);
    if (lockAware && err.kind === ErrorKind.Locked && lockedHandler) lockedHandler(LockReason.FoundLocked);
    throw new ApiError(err);
  }
}

// The Wails runtime object exists only inside the desktop window (or the
// `wails dev` page). A plain browser has neither it nor the native dialogs.
export function hasRuntime(): boolean {
  return typeof window !== 'undefined' && 'runtime' in window && !!window.runtime;
}

// ---- vault ------------------------------------------------------------------
// Return types name the generated models; TypeScript checks each against the
// binding's own signature, so they cannot drift from Go. Go sends a nil slice
// as null, hence the `?? []` on lists.
export const status = (): Promise<app.Status> => call(() => Go.Status(), false);
/** Opens the sample family (five fictional people) in place of the real vault, which Go locks first. */
export const openSampleFamily = (): Promise<app.Status> => call(() => Go.OpenSampleFamily(), false);
/** Closes and deletes the sample family. */
export const leaveSampleFamily = (): Promise<void> => call(() => Go.LeaveSampleFamily(), false);
export const createVault = (pass: string, confirm: string): Promise<string> => call(() => Go.CreateVault(pass, confirm), false);
export const unlock = (pass: string): Promise<void> => call(() => Go.Unlock(pass), false);
export const unlockWithRecoveryKey = (key: string, newPass: string, confirm: string): Promise<void> =>
  call(() => Go.UnlockWithRecoveryKey(key, newPass, confirm), false);
export const lock = (): Promise<void> => call(() => Go.Lock(), false);
export const changePassphrase = (cur: string, next: string, confirm: string): Promise<void> =>
  call(() => Go.ChangePassphrase(cur, next, confirm), false);
export const touch = (): Promise<void> => call(() => Go.Touch(), false);
export const setAutoLockMinutes = (n: number): Promise<void> => call(() => Go.SetAutoLockMinutes(n));

// ---- people -----------------------------------------------------------------
export const people = async (): Promise<records.Person[]> => (await call(() => Go.People())) ?? [];
export const addPerson = (name: string): Promise<records.Person> => call(() => Go.AddPerson(name));
export const renamePerson = (id: number, name: string): Promise<void> => call(() => Go.RenamePerson(id, name));
export const removePerson = (id: number): Promise<void> => call(() => Go.RemovePerson(id));
export const unmatched = async (): Promise<records.UnmatchedPatient[]> => (await call(() => Go.Unmatched())) ?? [];
export const assignPatient = (key: string, personId: number): Promise<void> => call(() => Go.AssignPatient(key, personId));
export const assignPatientToNewPerson = (key: string, name: string): Promise<records.Person> =>
  call(() => Go.AssignPatientToNewPerson(key, name));

// ---- import -----------------------------------------------------------------
export const chooseImportFiles = (personId: number): Promise<records.ImportReport> =>
  call(() => Go.ChooseImportFiles(personId));
export const importFiles = (paths: string[], personId: number): Promise<records.ImportReport> =>
  call(() => Go.ImportFiles(paths, personId));
export const importFileContent = (name: string, base64: string, personId: number): Promise<records.ImportReport> =>
  call(() => Go.ImportFileContent(name, base64, personId));

// ---- records ----------------------------------------------------------------
export const overview = (personId: number): Promise<records.Overview> => call(() => Go.Overview(personId));
export const list = (personId: number, resourceType: string, query: string, offset: number, limit: number): Promise<records.Page> =>
  call(() => Go.List(personId, resourceType, query, offset, limit));
/** What the search box asks: words, one person (personId) or everyone (0), insurance or not. */
export type SearchQuery = Plain<records.SearchQuery>;
/** Search results grouped by person, then by kind; each hit's text in plain segments, matches marked. */
export const search = (q: SearchQuery): Promise<records.SearchResults> => call(() => Go.Search(records.SearchQuery.createFrom(q)));
export const detail = (id: number): Promise<records.Detail> => call(() => Go.Detail(id));
/** One version of a record (from its detail's history), readable like the detail. */
export const detailVersion = (id: number, version: number): Promise<records.VersionDetail> => call(() => Go.DetailVersion(id, version));
export const stats = (): Promise<records.Stats> => call(() => Go.Stats());

// ---- dashboard and timeline ---------------------------------------------------
/** One person's record at a glance (problems, medicines, allergies, vaccines, visits, vitals, flagged results, connections). */
export const dashboard = (personId: number): Promise<records.Dashboard> => call(() => Go.Dashboard(personId));
/** Everyone at a glance: each member's problems, allergies and what is new since their record was last opened. */
export const householdView = (): Promise<records.Household> => call(() => Go.Household());
/** Records in the vault that a person's record was opened now ("new since you last looked" counts from here). */
export const markViewed = (personId: number): Promise<void> => call(() => Go.MarkViewed(personId));
/** What a timeline page asks for; `after` is the previous page's `next` (the zero cursor for the first page). */
export type TimelineQuery = Plain<records.TimelineQuery>;
/** One page of a person's records, newest first; `next` is absent on the last page. The generated
 *  TimelineQuery is a class (it converts its nested cursor), so the plain query is built into one here. */
export const timeline = (personId: number, q: TimelineQuery): Promise<records.TimelinePage> =>
  call(() => Go.Timeline(personId, records.TimelineQuery.createFrom(q)));
export const exportTo = (): Promise<string> => call(() => Go.ExportTo());

// ---- records a family adds, and what they decide about any record ---------------
/** What the add-a-record form offers: kinds, vital signs with their units, relationships. */
export const recordForms = (): Promise<app.EntryForms> => call(() => Go.RecordForms());
/** A record as typed (which fields count depends on its kind). */
export type Entry = Plain<records.Entry>;
/** Keeps a record typed in for a member; what cannot be kept comes back as `problems`, one per field. */
export const addRecord = (personId: number, e: Entry): Promise<app.EntryResult> =>
  call(() => Go.AddRecord(personId, records.Entry.createFrom(e)));
/** Replaces a record the family entered (the earlier version is kept). */
export const editRecord = (id: number, e: Entry): Promise<app.EntryResult> => call(() => Go.EditRecord(id, records.Entry.createFrom(e)));
/** Takes a record the family entered out of every view (it can be brought back). */
export const deleteRecord = (id: number): Promise<void> => call(() => Go.DeleteRecord(id));
export const restoreRecord = (id: number): Promise<void> => call(() => Go.RestoreRecord(id));
/** Hides any record from every view, or shows it again. */
export const setRecordHidden = (id: number, hidden: boolean): Promise<void> => call(() => Go.SetRecordHidden(id, hidden));
/** The family's own note on any record ('' removes it). */
export const setRecordNote = (id: number, note: string): Promise<void> => call(() => Go.SetRecordNote(id, note));
export const recordMark = (id: number): Promise<records.Mark> => call(() => Go.RecordMark(id));
/** A member's hidden records and deleted entries, to bring back. */
export const setAsideRecords = async (personId: number): Promise<records.SetAside[]> => (await call(() => Go.SetAsideRecords(personId))) ?? [];
/** What a record the family entered was made from, for the form to edit. */
export const recordEntry = (id: number): Promise<records.Entry> => call(() => Go.RecordEntry(id));

// ---- documents a family keeps (photos, scans, PDFs) ------------------------------
/** What the add-a-document dialog says of a file: title ('' = the file's name), date ('' = today), kind, visit, location. */
export type AttachMeta = Plain<app.AttachMeta>;
/** What a document can be (lab report, vaccine card, …), in the order the dialog offers them. */
export const documentKinds = async (): Promise<records.DocKind[]> => (await call(() => Go.DocumentKinds())) ?? [];
/** Keeps one file whose bytes the page has (dropped, or picked with the page's file input), base64;
 *  what cannot be kept (the file itself, or a field) comes back as `problems`, one per field. */
export const attachFile = (personId: number, name: string, base64: string, meta: AttachMeta): Promise<app.AttachResult> =>
  call(() => Go.AttachFile(personId, name, base64, app.AttachMeta.createFrom(meta)));
/** Keeps files dropped onto the window (paths) while the add-a-document dialog is open. */
export const attachPaths = async (personId: number, paths: string[], meta: AttachMeta): Promise<app.AttachResult[]> =>
  (await call(() => Go.AttachPaths(personId, paths, app.AttachMeta.createFrom(meta)))) ?? [];
/** Opens the system's file dialog and keeps each file chosen with `meta`; cancelling gives []. */
export const attachFiles = async (personId: number, meta: AttachMeta): Promise<app.AttachResult[]> =>
  (await call(() => Go.AttachFiles(personId, app.AttachMeta.createFrom(meta)))) ?? [];

// ---- summaries and exports for one person ------------------------------------------
/** Saves a summary where the person chooses (Go opens the save dialog): 'pdf', 'ips' or 'vaccines'. Resolves with what was saved, '' when cancelled. */
export const saveSummary = (personId: number, kind: 'pdf' | 'ips' | 'vaccines'): Promise<string> => call(() => Go.SaveSummary(personId, kind));
/** Saves every record of one person: one FHIR Bundle, or NDJSON files in a folder. */
export const exportPerson = (personId: number, format: 'bundle' | 'ndjson'): Promise<string> => call(() => Go.ExportPerson(personId, format));

// ---- trends ---------------------------------------------------------------------
/** The Trends picker: each test and vital sign of a person, how many measurements, the latest. */
export const labList = async (personId: number): Promise<records.LabSeriesInfo[]> => (await call(() => Go.LabList(personId))) ?? [];
/** One test's series (a key from labList, or a LOINC code; "" for all): one point per measurement, with its sources. */
export const labs = (personId: number, code: string): Promise<records.Labs> =>
  call(() => Go.Labs(personId, records.LabsQuery.createFrom({ code })));

// ---- insurance -------------------------------------------------------------------
/**
 * One page of a person's Insurance section: coverages (first page only), bills newest first with
 * billed / paid / owed in whole cents, and the totals of the page's years. `after` is the previous
 * page's `next`, null for the first page.
 */
export const insurance = (personId: number, after: Plain<records.Cursor> | null, limit: number): Promise<records.InsurancePage> =>
  // Go takes a *Cursor: null is the first page (the generated type does not say it may be null).
  call(() => Go.Insurance(personId, (after ? records.Cursor.createFrom(after) : null) as records.Cursor, limit));

// ---- documents -----------------------------------------------------------------
/** A person's documents (PDFs, images, text, HTML, C-CDA), newest first. */
export const documents = async (personId: number): Promise<records.Document[]> => (await call(() => Go.Documents(personId))) ?? [];
/** A PDF's, image's or plain text's original bytes, base64 (HTML and C-CDA are refused: see documentHTML). */
export const documentContent = (id: number): Promise<string> => call(() => Go.DocumentContent(id));
/** An HTML or C-CDA document as HTML Go has already sanitised. */
export const documentHTML = (id: number): Promise<string> => call(() => Go.DocumentHTML(id));
/** Asks where to save a document and writes its original bytes; "" when the person cancels. */
export const saveDocument = (id: number): Promise<string> => call(() => Go.SaveDocument(id));
/**
 * Where the asset server serves a PDF's, image's or text's bytes while the
 * vault is unlocked (app.DocumentMiddleware): same origin, so the page's CSP
 * (`default-src 'self'`) covers it and nothing is base64-encoded on the way.
 */
export function documentUrl(id: number): string {
  return `/doc/${encodeURIComponent(String(Math.trunc(id)))}`;
}

// ---- provider connections ------------------------------------------------------
/** The offline catalog; fast enough to call on every keystroke. Not lock-aware: it needs no vault. */
export const searchProviders = async (query: string): Promise<app.ProviderResult[]> =>
  (await call(() => Go.SearchProviders(query), false)) ?? [];
/** Whether a sign-in with a vendor's registration can start ('' or 'other': providers outside the catalog). */
export const signInRegistered = (vendor: string): Promise<boolean> => call(() => Go.SignInRegistered(vendor), false);
/** Opens the sign-in page in the system browser (Go does that, never the webview). */
export const startConnection = (personId: number, providerId: string, fhirBase: string, name: string): Promise<connect.Started> =>
  call(() => Go.StartConnection(personId, providerId, fhirBase, name));
export const connections = async (): Promise<connect.Connection[]> => (await call(() => Go.Connections())) ?? [];
export const disconnect = (id: number, deleteRecords: boolean): Promise<void> => call(() => Go.Disconnect(id, deleteRecords));
export const registrations = async (): Promise<app.VendorRegistration[]> => (await call(() => Go.Registrations())) ?? [];
export const setRegistration = (vendor: string, clientId: string, redirect: string): Promise<void> =>
  call(() => Go.SetRegistration(vendor, clientId, redirect));

// ---- syncing ------------------------------------------------------------------
/** Starts a sync in the background (0 = every connection); progress and the outcome arrive as events.
 *  One asked for while another runs is queued by Go, not refused: it rejects only when the vault is locked. */
export const syncNow = (connectionId: number): Promise<void> => call(() => Go.SyncNow(connectionId));
/** A connection's recent syncs, newest first: times, counts and type names, no health data. */
export const syncHistory = async (connectionId: number): Promise<SyncRun[]> => (await call(() => Go.SyncHistory(connectionId))) ?? [];
export const setSyncIntervalHours = (hours: number): Promise<void> => call(() => Go.SetSyncIntervalHours(hours));
export const syncIntervalHours = (): Promise<number> => call(() => Go.SyncIntervalHours());
export const setOffline = (offline: boolean): Promise<void> => call(() => Go.SetOffline(offline));

// ---- backups ------------------------------------------------------------------
// Folders and backup files are chosen in Go's dialogs: the page never hands Go a path.
export const backupSettings = (): Promise<session.BackupStatus> => call(() => Go.BackupSettings());
export const setBackupFolder = (): Promise<session.BackupStatus> => call(() => Go.SetBackupFolder());
export const setBackupKeep = (n: number): Promise<session.BackupStatus> => call(() => Go.SetBackupKeep(n));
export const backupNow = (): Promise<session.BackupStatus> => call(() => Go.BackupNow());
// On the create/unlock screen: no vault is open, so not lock-aware.
export const chooseBackupFile = (): Promise<app.BackupFile> => call(() => Go.ChooseBackupFile(), false);
export const restoreFromBackup = (secret: string, replace: boolean): Promise<app.Restored> =>
  call(() => Go.RestoreFromBackup(secret, replace), false);

// ---- events -----------------------------------------------------------------
type Off = () => void;
const noop: Off = () => {};

export function onVaultLocked(fn: (reason: household.LockReason) => void): Off {
  if (!hasRuntime()) return noop;
  const off = EventsOn('vault:locked', (reason: household.LockReason) => fn(reason));
  return typeof off === 'function' ? off : noop;
}

/** Every backup's outcome, scheduled or asked for. */
export function onBackupDone(fn: (b: session.BackupStatus) => void): Off {
  if (!hasRuntime()) return noop;
  const off = EventsOn('backup:done', (b: session.BackupStatus) => fn(b));
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
export function onConnectDone(fn: (c: connect.Connection) => void): Off {
  if (!hasRuntime()) return noop;
  const off = EventsOn('connect:done', (c: connect.Connection) => fn(c));
  return typeof off === 'function' ? off : noop;
}

/** A provider sign-in failed: Go's error (its kind, and the message meant for the person). */
export function onConnectError(fn: (err: UIError) => void): Off {
  if (!hasRuntime()) return noop;
  const off = EventsOn('connect:error', (e: unknown) => fn(readError(e)));
  return typeof off === 'function' ? off : noop;
}

/** A sign-in came back while the vault was locked; it finishes after unlock. */
export function onConnectWaiting(fn: (message: string) => void): Off {
  if (!hasRuntime()) return noop;
  const off = EventsOn('connect:waiting', (m: unknown) => fn(String(m ?? '')));
  return typeof off === 'function' ? off : noop;
}

/**
 * The one-time compression of records an earlier Fasten stored uncompressed
 * (Go's vault.PackProgress): phase "pack" (done of total records), then
 * "vacuum" (the file is rewritten smaller), then "done".
 */
export type VaultPacking = {
  phase: 'pack' | 'vacuum' | 'done';
  done: number;
  total: number;
  bytesBefore: number;
  bytesAfter: number;
  vacuumSkipped: boolean;
  rewrite?: 'vacuum' | 'copy';
};

export function onVaultPacking(fn: (p: VaultPacking) => void): Off {
  if (!hasRuntime()) return noop;
  const off = EventsOn('vault:packing', (p: VaultPacking) => fn(p));
  return typeof off === 'function' ? off : noop;
}

/** Where a running sync is (one connection at a time; syncs also start by themselves). */
export function onSyncProgress(fn: (p: SyncProgress) => void): Off {
  if (!hasRuntime()) return noop;
  const off = EventsOn('sync:progress', (p: SyncProgress) => fn(p));
  return typeof off === 'function' ? off : noop;
}

/** A whole sync pass could not run (another Fasten never let go of the vault, …): why, as Go's error. */
export function onSyncFailed(fn: (err: UIError) => void): Off {
  if (!hasRuntime()) return noop;
  const off = EventsOn('sync:failed', (e: unknown) => fn(readError(e)));
  return typeof off === 'function' ? off : noop;
}

/** A sync finished: one summary per connection it covered (possibly none). */
export function onSyncDone(fn: (results: SyncSummary[]) => void): Off {
  if (!hasRuntime()) return noop;
  const off = EventsOn('sync:done', (r: SyncSummary[] | null) => fn(Array.isArray(r) ? r : []));
  return typeof off === 'function' ? off : noop;
}
