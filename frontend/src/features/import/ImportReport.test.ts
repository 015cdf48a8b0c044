import { render, screen, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import ImportReport from './ImportReport.svelte';
import { records, type Plain } from '../../lib/wire';

const results: Plain<records.FileResult>[] = [
  {
    file: '/home/me/Downloads/ana.json',
    status: records.FileStatus.Imported,
    added: 120,
    updated: 3,
    unchanged: 7,
    skipped: 2,
    reference: 4,
    attachments: 2,
    attachmentsSkipped: 0,
    bytes: 2048,
    issues: [
      { entry: 4, type: 'Observation', path: 'Observation.status', reason: 'missing required field' },
      { entry: 9, type: 'Patient', path: 'Patient.birthDate', reason: 'expected date' },
    ],
  },
  { file: 'same.json', status: records.FileStatus.Unchanged, added: 0, updated: 0, unchanged: 50, skipped: 0, reference: 0, attachments: 0, attachmentsSkipped: 0, bytes: 100, issues: [] },
  { file: 'broken.ndjson', status: records.FileStatus.Rejected, error: 'This is not JSON.', added: 0, updated: 0, unchanged: 0, skipped: 0, reference: 0, attachments: 0, attachmentsSkipped: 0, bytes: 10, issues: null },
];

describe('ImportReport', () => {
  it('renders one row per file with its status and counts', () => {
    render(ImportReport, { results });
    const rows = screen.getAllByTestId('import-report-row');
    expect(rows).toHaveLength(3);

    expect(rows[0]).toHaveAttribute('data-status', 'imported');
    expect(within(rows[0]).getByText('ana.json')).toBeInTheDocument();
    expect(within(rows[0]).getByTestId('import-status')).toHaveTextContent('Imported');
    expect(within(rows[0]).getByTestId('count-added')).toHaveTextContent('120');
    expect(within(rows[0]).getByTestId('count-documents')).toHaveTextContent('2');
    expect(within(rows[1]).queryByTestId('count-documents')).toBeNull();
    expect(within(rows[0]).getByTestId('count-updated')).toHaveTextContent('3');
    expect(within(rows[0]).getByTestId('count-unchanged')).toHaveTextContent('7');
    expect(within(rows[0]).getByTestId('count-skipped')).toHaveTextContent('2');

    // The records about no one are explained, so the person's smaller count makes sense.
    expect(within(rows[0]).getByTestId('count-reference')).toHaveTextContent(/4 of the new records describe the clinicians/);
    expect(within(rows[1]).queryByTestId('count-reference')).toBeNull();

    expect(rows[1]).toHaveAttribute('data-status', 'unchanged');
    expect(within(rows[1]).getByTestId('import-status')).toHaveTextContent('Already in your vault');
  });

  it('shows the error of a rejected file and no counts', () => {
    render(ImportReport, { results });
    const row = screen.getAllByTestId('import-report-row')[2];
    expect(within(row).getByTestId('import-error')).toHaveTextContent('This is not JSON.');
    expect(within(row).queryByTestId('import-counts')).toBeNull();
    expect(within(row).getByTestId('import-status')).toHaveTextContent('Not imported');
  });

  it('lists skipped resources in an expandable section', () => {
    render(ImportReport, { results });
    const details = screen.getByTestId('import-issues');
    expect(details.tagName).toBe('DETAILS');
    const issues = within(details).getAllByTestId('import-issue');
    expect(issues).toHaveLength(2);
    expect(issues[0]).toHaveTextContent('#4');
    expect(issues[0]).toHaveTextContent('Observation.status');
    expect(issues[1]).toHaveTextContent('expected date');
  });

  it('sums up the batch', () => {
    render(ImportReport, { results });
    expect(screen.getByTestId('import-summary')).toHaveTextContent('3 files · 120 new records · 3 updated records');
    expect(screen.getByTestId('import-summary')).toHaveTextContent('1 file not imported');
  });
});

describe('ImportReport in a small window', () => {
  it('puts the skipped-records table in a focusable, named scroll region', () => {
    render(ImportReport, { results });
    const region = screen.getByRole('region', { name: 'Skipped records' });
    expect(region).toHaveAttribute('tabindex', '0');
    expect(region.querySelector('table')).not.toBeNull();
  });
});
