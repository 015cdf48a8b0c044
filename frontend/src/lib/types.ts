// Shapes of the JSON the Go façade (app/app.go) returns. They mirror
// internal/records/types.go and internal/household/household.go field for field.

export interface VaultStatus {
  path: string;
  exists: boolean;
  unlocked: boolean;
  autoLockMinutes: number;
}

export interface Person {
  id: number;
  name: string;
  birthDate: string;
  records: number;
}

export interface FileIssue {
  entry: number;
  type: string;
  path: string;
  reason: string;
}

export type FileStatus = 'imported' | 'unchanged' | 'rejected' | string;

export interface FileResult {
  file: string;
  status: FileStatus;
  error?: string;
  added: number;
  updated: number;
  unchanged: number;
  skipped: number;
  issues: FileIssue[] | null;
  bytes: number;
}

export interface UnmatchedPatient {
  key: string;
  name: string;
  birthDate: string;
  records: number;
}

export interface ImportReport {
  files: FileResult[] | null;
  unmatched: UnmatchedPatient[] | null;
  newPeople: Person[] | null;
}

export interface ImportProgress {
  file: string;
  fileIndex: number;
  fileCount: number;
  bytesRead: number;
  bytesTotal: number;
  resources: number;
}

export interface Item {
  id: number;
  resourceType: string;
  date: string;
  dateEnd: string;
  category: string;
  codeSystem: string;
  code: string;
  display: string;
  valueNum: number | null;
  valueText: string;
  unit: string;
  status: string;
  source: string;
}

export interface TypeCount {
  resourceType: string;
  count: number;
}

export interface Overview {
  person: Person;
  counts: TypeCount[] | null;
  conditions: Item[] | null;
  medications: Item[] | null;
  allergies: Item[] | null;
  immunizations: Item[] | null;
  vitals: Item[] | null;
  labs: Item[] | null;
}

export interface Page {
  items: Item[] | null;
  total: number;
}

export interface Field {
  label: string;
  value: string;
}

export interface Detail {
  item: Item;
  fields: Field[] | null;
  narrative: string;
  raw: string;
  received: string;
  versions: number;
  source: string;
}

export interface Stats {
  resources: Record<string, number> | null;
  total: number;
  people: number;
  versions: number;
  imports: number;
}

// ---- provider connections (app/connect.go, internal/connect) ---------------

/** One hit in the offline provider catalog. */
export interface ProviderResult {
  id: string;
  name: string;
  vendor: string;
  vendorName: string;
  fhirBase: string;
}

/** What StartConnection returns; Go has already opened the system browser. */
export interface ConnectionStarted {
  authUrl: string;
  redirectUri: string;
  providerName: string;
  loopback: boolean;
}

export type ConnectionStatus = 'connected' | 'expires_soon' | 'needs_reconnect' | 'error' | 'disconnected';
export type ConnectionAction = '' | 'reconnect' | 'retry';

export interface Connection {
  id: number;
  personId: number;
  personName: string;
  providerId: string;
  providerName: string;
  vendor: string;
  fhirBase: string;
  patientId: string;
  status: ConnectionStatus | string;
  statusText: string;
  action: ConnectionAction | string;
  lastError: string;
  created: string;
  records: number;
}

export type RedirectKind = 'scheme' | 'loopback';

export interface VendorRegistration {
  vendor: string;
  vendorName: string;
  clientId: string;
  redirect: RedirectKind | string;
  builtIn: boolean;
}

// ---- syncing (app/sync.go, internal/sync) -----------------------------------

export type SyncPhase = 'planning' | 'fetching' | 'references' | 'attachments' | 'done';

/** A 'sync:progress' event: where one connection's sync is. */
export interface SyncProgress {
  connectionId: number;
  phase: SyncPhase | string;
  tasksDone: number;
  tasksTotal: number;
  /** Records received so far in this sync. */
  resources: number;
  /** The task being fetched (a resource type), or ''. */
  message: string;
}

/** What could not be fetched: a task (resource type, "references" or "attachments"), how many pages/records, why. */
export interface SyncFailure {
  task: string;
  count: number;
  reason: string;
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

export type SyncRunStatus = 'running' | 'complete' | 'partial' | 'interrupted' | 'needs_reconnect' | 'failed';

/** One entry of a connection's sync history. Counts and type names only, never health data. */
export interface SyncRun {
  id: number;
  connectionId: number;
  startedAt: string;
  finishedAt: string;
  status: SyncRunStatus | string;
  full: boolean;
  /** resources, added, updated, skipped, pages, requests, references, missing, attachments, gone */
  counts: Record<string, number> | null;
  errors: SyncFailure[] | null;
}
