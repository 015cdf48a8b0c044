// What crosses the Go↔UI bridge. The shapes are Go's own: Wails generates them
// into frontend/wailsjs/go/models.ts from the bound methods' signatures, and the
// UI uses those (records.Person, connect.Connection, …) directly. This module
// only re-exports them under a short path and adds what the generator cannot
// see yet. Nothing here repeats a generated field list.
//
// Go's named statuses and kinds arrive as generated TypeScript enums (Wails
// EnumBind over app.Enums): app.ErrorKind, connect.Status, connect.Action,
// providersync.Phase, providersync.RunStatus, records.FileStatus,
// records.RejectReason, household.LockReason. Call sites use them through
// these namespaces: a value Go renames or drops no longer compiles, and one
// it adds is a type error wherever the UI maps every value to words
// (`satisfies Record<Enum, string>`). Only what Go does not name as a type
// is spelled below, each with why.

import { app, household, providersync } from '../../wailsjs/go/models';

export { app, connect, household, providersync, records, session } from '../../wailsjs/go/models';

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

/** One entry of a connection's sync history. Counts and type names only, never health data. */
export type SyncRun = Plain<providersync.Run>;
/** What could not be fetched: a task (resource type, or a SyncTask), how many, why. */
export type SyncFailure = Plain<providersync.TaskFailure>;

// ---- event payloads -------------------------------------------------------------
// Go has these types, but they travel only in events (runtime.EventsEmit), and
// Wails generates models only for bound methods' arguments and results. Each
// mirrors its Go struct field by field:
//   SyncProgress   app.SyncProgress  ('sync:progress', app/sync.go)
//   SyncSummary    app.SyncSummary   ('sync:done' carries a list, app/sync.go)
//   UIError        app.UIError       (app/errors.go; also what every rejected call carries)
//   ImportProgress records.Progress  ('import:progress', internal/records/types.go)
// The other events carry generated types or plain text: 'vault:locked' a
// household.LockReason, 'connect:done' a connect.Connection, 'connect:error'
// and 'connect:waiting' a sentence for the person.

/** An error as Go words it for the page: what kind, and the sentence to show. */
export interface UIError {
  kind: app.ErrorKind;
  message: string;
}

/**
 * A 'sync:progress' event: where one connection's sync is. A Waiting event
 * (another Fasten holds the vault's sync lock) belongs to no connection yet:
 * its connectionId is 0.
 */
export interface SyncProgress {
  connectionId: number;
  phase: providersync.Phase;
  tasksDone: number;
  tasksTotal: number;
  /** Records received so far in this sync. */
  resources: number;
  /** The task being fetched (a resource type), a sentence while Waiting, or ''. */
  message: string;
  /** While the provider has asked Fasten to wait (429/503 Retry-After): when requests resume, RFC 3339; else ''. */
  pausedUntil: string;
}

/** One connection's outcome in a 'sync:done' event. */
export interface SyncSummary {
  connectionId: number;
  /** How the run ended, as its history row will say. */
  outcome: providersync.RunStatus;
  complete: boolean;
  resources: number;
  added: number;
  updated: number;
  /** Never null: Go sends [] when nothing failed. */
  failed: SyncFailure[];
  /** Why the connection could not sync; null when it ran (a stopped sync is not an error). */
  error: UIError | null;
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

// ---- names Go does not bind as enums ---------------------------------------------
// Const objects shaped like TypeScript enums (Member: 'value'), so that if Go
// binds one later the swap is a change of import, not of call sites.

/**
 * The tasks a sync failure can name besides a resource type ("Observation").
 * providersync.TaskFailure.task is a plain string in Go (a resource type or
 * one of these two literals), so there is no generated enum.
 */
export const SyncTask = { References: 'references', Attachments: 'attachments' } as const;
export type SyncTask = (typeof SyncTask)[keyof typeof SyncTask];

/**
 * How a provider's sign-in comes back (app.VendorRegistration.redirect). Go
 * has untyped constants for these (connect.RedirectScheme and
 * connect.RedirectLoopback), so there is no generated enum.
 */
export const RedirectMode = { Scheme: 'scheme', Loopback: 'loopback' } as const;
export type RedirectMode = (typeof RedirectMode)[keyof typeof RedirectMode];

/**
 * Why the page shows the unlock screen: Go's reasons (household.LockReason,
 * from the 'vault:locked' event) plus FoundLocked, which is the UI's own — a
 * call that was refused because the vault was already locked. Go has no such
 * reason to send, so it cannot be part of the generated enum.
 */
export const LockReason = { ...household.LockReason, FoundLocked: 'locked' } as const;
export type LockReason = household.LockReason | typeof LockReason.FoundLocked;
