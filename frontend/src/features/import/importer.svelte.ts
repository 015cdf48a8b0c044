// Import state lives here (not in a component) so an import keeps running and
// its report stays visible while the person looks around. Cleared on lock.
import * as api from '../../lib/api';
import { household, onReset } from '../../lib/session.svelte';
import { records, type ImportProgress, type Plain } from '../../lib/wire';
import { readAsBase64 } from './fileread';

export interface ProgressView {
  file: string;
  index: number; // 1-based
  count: number;
  bytesRead: number;
  bytesTotal: number;
  resources: number;
  phase: 'reading' | 'importing';
}

class Importer {
  /** 0 = match people by name and birth date. */
  target = $state(0);
  running = $state(false);
  progress = $state<ProgressView | null>(null);
  results = $state<Plain<records.FileResult>[]>([]);
  unmatched = $state<records.UnmatchedPatient[]>([]);
  newPeople = $state<records.Person[]>([]);
  error = $state('');
  /** Live message for screen readers when a batch ends. */
  announcement = $state('');
  /**
   * What survives a lock of the last report: how many files, how many were
   * not imported. No file names, people or record counts: after a lock no
   * health data may stay in memory, and a file name ("ana-oncology.json")
   * can be health data. Shown after unlock so the report does not just vanish.
   */
  lastRun = $state<{ files: number; rejected: number } | null>(null);

  // Offsets applied to Go progress events when files are sent one at a time.
  private batchIndex = 0;
  private batchCount = 0;

  handleProgress(p: ImportProgress): void {
    if (!this.running) return;
    const single = this.batchCount > 0;
    this.progress = {
      file: p.file,
      index: single ? this.batchIndex : p.fileIndex + 1,
      count: single ? this.batchCount : p.fileCount,
      bytesRead: p.bytesRead,
      bytesTotal: p.bytesTotal,
      resources: p.resources,
      phase: 'importing',
    };
  }

  private begin(): void {
    this.running = true;
    this.lastRun = null;
    this.error = '';
    this.results = [];
    this.newPeople = [];
    this.announcement = '';
    this.progress = null;
  }

  private async finish(): Promise<void> {
    this.running = false;
    this.progress = null;
    this.batchCount = 0;
    await household.refreshPeople();
    household.changed();
    const ok = this.results.filter((r) => r.status !== records.FileStatus.Rejected).length;
    const bad = this.results.length - ok;
    this.announcement =
      this.results.length === 0
        ? ''
        : `Import finished: ${ok} file${ok === 1 ? '' : 's'} read${bad ? `, ${bad} rejected` : ''}.`;
  }

  private absorb(rep: { files: Plain<records.FileResult>[] | null; unmatched: records.UnmatchedPatient[] | null; newPeople: records.Person[] | null }) {
    this.results = [...this.results, ...(rep.files ?? [])];
    this.unmatched = rep.unmatched ?? [];
    this.newPeople = [...this.newPeople, ...(rep.newPeople ?? [])];
  }

  /** Files from a browser <input type=file> or an HTML drop: sent one at a time. */
  async importBrowserFiles(files: File[]): Promise<void> {
    if (this.running || files.length === 0) return;
    this.begin();
    this.batchCount = files.length;
    try {
      for (let i = 0; i < files.length; i++) {
        const f = files[i];
        this.batchIndex = i + 1;
        this.progress = { file: f.name, index: i + 1, count: files.length, bytesRead: 0, bytesTotal: f.size, resources: 0, phase: 'reading' };
        let data: string;
        try {
          data = await readAsBase64(f, (loaded, total) => {
            if (this.progress?.phase === 'reading') this.progress = { ...this.progress, bytesRead: loaded, bytesTotal: total };
          });
        } catch (e) {
          this.results = [...this.results, rejected(f.name, api.errorMessage(e), f.size)];
          continue;
        }
        this.progress = { ...this.progress!, phase: 'importing', bytesRead: 0 };
        try {
          this.absorb(await api.importFileContent(f.name, data, this.target));
        } catch (e) {
          if (api.isLockedError(e)) return;
          this.results = [...this.results, rejected(f.name, api.errorMessage(e), f.size)];
        }
      }
    } finally {
      if (this.running) await this.finish();
    }
  }

  /** Paths dropped on the desktop window. */
  async importPaths(paths: string[]): Promise<void> {
    if (this.running || paths.length === 0) return;
    this.begin();
    try {
      this.absorb(await api.importFiles(paths, this.target));
    } catch (e) {
      if (!api.isLockedError(e)) this.error = api.errorMessage(e);
    } finally {
      if (this.running) await this.finish();
    }
  }

  /** The native file dialog (desktop window only). */
  async chooseNative(): Promise<void> {
    if (this.running) return;
    this.begin();
    try {
      this.absorb(await api.chooseImportFiles(this.target));
    } catch (e) {
      if (!api.isLockedError(e)) this.error = api.errorMessage(e);
    } finally {
      if (this.running) await this.finish();
    }
  }

  async refreshUnmatched(): Promise<void> {
    try {
      this.unmatched = await api.unmatched();
    } catch {
      /* shown elsewhere */
    }
  }

  resolved(key: string): void {
    this.unmatched = this.unmatched.filter((u) => u.key !== key);
  }

  clear(): void {
    this.lastRun = null;
    this.results = [];
    this.newPeople = [];
    this.error = '';
    this.announcement = '';
  }

  reset(): void {
    if (this.results.length > 0 && !this.running) {
      const rejected = this.results.filter((r) => r.status === records.FileStatus.Rejected).length;
      this.lastRun = { files: this.results.length, rejected };
    }
    this.running = false;
    this.progress = null;
    this.results = [];
    this.unmatched = [];
    this.newPeople = [];
    this.error = '';
    this.announcement = '';
    this.target = 0;
    this.batchCount = 0;
  }
}

function rejected(file: string, error: string, bytes: number): Plain<records.FileResult> {
  return { file, status: records.FileStatus.Rejected, error, added: 0, updated: 0, unchanged: 0, skipped: 0, reference: 0, attachments: 0, attachmentsSkipped: 0, issues: [], bytes };
}

export const importer = new Importer();
onReset(() => importer.reset());
