// What crosses the Go↔UI bridge. The shapes are Go's own: Wails generates them
// into frontend/wailsjs/go/models.ts from the bound methods' signatures, and the
// UI uses those (records.Person, connect.Connection, …) directly. This module
// only re-exports them under a short path and adds what the generator cannot
// see yet. Nothing here repeats a generated field list.
//
// Temporary, until the Go side binds its enums (Wails EnumBind) and the
// bindings are regenerated — then the lead swaps each one for the generated
// enum with the same member names:
//   ErrorKind        → app.ErrorKind
//   ConnectionStatus → connect's status enum   (connect.Connection.status)
//   ConnectionAction → connect's action enum   (connect.Connection.action)
//   FileStatus       → records' file status    (records.FileResult.status)
//   SyncRunStatus    → providersync's outcome  (Run.status)
//   SyncPhase        → providersync's phase    (SyncProgress.phase)
//   SyncTask         → providersync's task names that are not resource types (TaskFailure.task)
//   RedirectMode     → connect's redirect mode (app.VendorRegistration.redirect)
//   LockReason       → household's lock reason ('vault:locked' event)
// They are const objects shaped like TypeScript enums (Member: 'value'), so
// the swap is a change of import, not of call sites.

import type { sync } from '../../wailsjs/go/models';

export type { app, connect, household, records } from '../../wailsjs/go/models';

// ---- generated shapes the UI builds itself ------------------------------------

/**
 * A generated model as it actually arrives. Wails emits classes that carry a
 * convertValues method, but a bound call resolves with plain JSON, never an
 * instance; and Go sends a nil slice as null, which the generated field types
 * do not say. Plain<T> drops the methods and lets nested lists be null. Where
 * the UI builds such a value itself (a file rejected before it reached Go,
 * test fixtures) it uses Plain<T>; a generated value is assignable to it.
 * (wails.json bindings.ts_generation.outputType = "interfaces" would remove
 * the methods at the source.)
 */
export type Plain<T> = T extends (infer U)[]
  ? Plain<U>[]
  : T extends object
    ? { [K in keyof T as T[K] extends (...args: never[]) => unknown ? never : K]: Nullable<Plain<T[K]>> }
    : T;
type Nullable<F> = F extends unknown[] ? F | null : F;

// The Go package behind `sync` is now internal/providersync; regenerated
// bindings rename the namespace. These two aliases keep that rename to one place.
/** One entry of a connection's sync history. Counts and type names only, never health data. */
export type SyncRun = Plain<sync.Run>;
/** What could not be fetched: a task (resource type, "references" or "attachments"), how many, why. */
export type SyncFailure = sync.TaskFailure;

// ---- event payloads -------------------------------------------------------------
// Go has these types, but they travel only in events (runtime.EventsEmit), and
// Wails generates models only for bound methods' arguments and results. They
// mirror app.SyncProgress, app.SyncSummary (app/sync.go) and records.Progress
// (internal/records/types.go) until Go exposes them to the generator.

/** A 'sync:progress' event: where one connection's sync is. */
export interface SyncProgress {
  connectionId: number;
  phase: string;
  tasksDone: number;
  tasksTotal: number;
  /** Records received so far in this sync. */
  resources: number;
  /** The task being fetched (a resource type), or ''. */
  message: string;
}

/** One connection's outcome in a 'sync:done' event. */
export interface SyncSummary {
  connectionId: number;
  complete: boolean;
  resources: number;
  added: number;
  updated: number;
  failed: SyncFailure[] | null;
  error: string;
}

/** An 'import:progress' event. */
export interface ImportProgress {
  file: string;
  fileIndex: number;
  fileCount: number;
  bytesRead: number;
  bytesTotal: number;
  resources: number;
}

// ---- kinds and statuses (see the list at the top) ------------------------------

/** What went wrong in a bound call: Go's ErrorFormatter sends {kind, message}. */
export const ErrorKind = {
  Locked: 'locked',
  WrongPassphrase: 'wrong_passphrase',
  InvalidInput: 'invalid_input',
  NotFound: 'not_found',
  Busy: 'busy',
  NeedsReconnect: 'needs_reconnect',
  Damaged: 'damaged',
  Internal: 'internal',
} as const;
export type ErrorKind = (typeof ErrorKind)[keyof typeof ErrorKind];

export const ConnectionStatus = {
  Connected: 'connected',
  ExpiresSoon: 'expires_soon',
  NeedsReconnect: 'needs_reconnect',
  Error: 'error',
  Disconnected: 'disconnected',
} as const;
export type ConnectionStatus = (typeof ConnectionStatus)[keyof typeof ConnectionStatus];

/** The one thing that fixes a connection ('' = nothing to do). */
export const ConnectionAction = { None: '', Reconnect: 'reconnect', Retry: 'retry' } as const;
export type ConnectionAction = (typeof ConnectionAction)[keyof typeof ConnectionAction];

export const FileStatus = { Imported: 'imported', Unchanged: 'unchanged', Rejected: 'rejected' } as const;
export type FileStatus = (typeof FileStatus)[keyof typeof FileStatus];

export const SyncRunStatus = {
  Running: 'running',
  Complete: 'complete',
  Partial: 'partial',
  Interrupted: 'interrupted',
  NeedsReconnect: 'needs_reconnect',
  Failed: 'failed',
} as const;
export type SyncRunStatus = (typeof SyncRunStatus)[keyof typeof SyncRunStatus];

export const SyncPhase = {
  Planning: 'planning',
  Fetching: 'fetching',
  References: 'references',
  Attachments: 'attachments',
  Done: 'done',
} as const;
export type SyncPhase = (typeof SyncPhase)[keyof typeof SyncPhase];

/** The tasks a sync failure can name besides a resource type ("Observation"). */
export const SyncTask = { References: 'references', Attachments: 'attachments' } as const;
export type SyncTask = (typeof SyncTask)[keyof typeof SyncTask];

export const RedirectMode = { Scheme: 'scheme', Loopback: 'loopback' } as const;
export type RedirectMode = (typeof RedirectMode)[keyof typeof RedirectMode];

/** Why the vault locked: Go's reasons, plus FoundLocked — the UI's own, for a call that found the vault locked. */
export const LockReason = { Manual: 'manual', Idle: 'idle', FoundLocked: 'locked' } as const;
export type LockReason = (typeof LockReason)[keyof typeof LockReason];
