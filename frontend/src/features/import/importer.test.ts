import { render, screen } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';

vi.mock('../../lib/api', async (importOriginal) => {
  const { withRealErrors } = await import('../../test/api-mock');
  return withRealErrors(importOriginal, {
    importFiles: vi.fn(),
    people: vi.fn(async () => []),
    unmatched: vi.fn(async () => []),
    hasRuntime: () => false,
    lock: vi.fn(),
  });
});

import * as api from '../../lib/api';
import { session } from '../../lib/session.svelte';
import { records } from '../../lib/wire';
import { importer } from './importer.svelte';
import ImportView from './ImportView.svelte';

describe('the import report across a lock', () => {
  it('keeps only how many files, never names or records, and says so after unlock', async () => {
    vi.mocked(api.importFiles).mockResolvedValueOnce({
      files: [
        { file: '/home/me/ana-oncology.json', status: records.FileStatus.Imported, added: 176, updated: 0, unchanged: 0, skipped: 0, bytes: 10, issues: [] },
        { file: '/home/me/leo.json', status: records.FileStatus.Imported, added: 5, updated: 0, unchanged: 0, skipped: 0, bytes: 10, issues: [] },
        { file: '/home/me/broken.json', status: records.FileStatus.Rejected, error: 'not JSON', added: 0, updated: 0, unchanged: 0, skipped: 0, bytes: 1, issues: [] },
      ],
      unmatched: [{ key: 'k', name: 'Ana Ruiz', birthDate: '1980-01-01', records: 176, files: ['ana-oncology.json'] }],
      newPeople: [{ id: 3, name: 'Leo Ruiz', birthDate: '', records: 5 }],
    } as never);
    await importer.importPaths(['/home/me/ana-oncology.json', '/home/me/leo.json', '/home/me/broken.json']);
    expect(importer.results).toHaveLength(3);

    session.locked();

    // Nothing of the report itself is left in memory…
    expect(importer.results).toEqual([]);
    expect(importer.unmatched).toEqual([]);
    expect(importer.newPeople).toEqual([]);
    const kept = JSON.stringify(importer.lastRun);
    expect(kept).toBe('{"files":3,"rejected":1}');
    expect(kept).not.toMatch(/ana|leo|176/i);

    // …and after unlock the Import page says the last import finished.
    render(ImportView);
    expect(screen.getByTestId('import-last-summary')).toHaveTextContent('Your last import finished — 3 files, 1 not imported.');
    expect(screen.queryByText(/ana-oncology/)).toBeNull();
  });
});
