// The Documents tab in the person's header: reached like the overview, and
// it is that person's (switching person goes back to their dashboard, the home page).
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';

vi.mock('../../lib/api', async (importOriginal) => {
  const { withRealErrors } = await import('../../test/api-mock');
  const off = () => () => {};
  return withRealErrors(importOriginal, {
    people: vi.fn(async () => [
      { id: 1, name: 'Ana Ruiz', birthDate: '', records: 3 },
      { id: 2, name: 'Leo Ruiz', birthDate: '', records: 1 },
    ]),
    unmatched: vi.fn(async () => []),
    connections: vi.fn(async () => []),
    registrations: vi.fn(async () => []),
    touch: vi.fn(async () => {}),
    onImportProgress: vi.fn(off),
    onVaultPacking: vi.fn(off),
    onFileDrop: vi.fn(off),
    overview: vi.fn(async () => new Promise(() => {})),
    dashboard: vi.fn(async () => new Promise(() => {})),
    householdView: vi.fn(async () => new Promise(() => {})),
    backupSettings: vi.fn(async () => new Promise(() => {})),
    setAsideRecords: vi.fn(async () => []),
    markViewed: vi.fn(async () => {}),
    documents: vi.fn(async (personId: number) =>
      personId === 1
        ? [{ id: 5, resource: 9, resourceType: 'DocumentReference', title: 'Discharge summary', kind: 'Discharge summary', contentType: 'application/pdf', format: 'pdf', renderable: true, size: 10, date: '2021-03-01', source: 'Mercy', inline: false }]
        : [],
    ),
  });
});

import * as api from '../../lib/api';
import Shell from '../../Shell.svelte';

describe('Documents navigation', () => {
  it("opens the selected person's documents from the header, and switching person leaves them", async () => {
    render(Shell);
    // A family lands on the household view; choosing Ana opens her pages.
    await fireEvent.click(await screen.findByTestId('person-1'));
    const nav = await screen.findByTestId('documents-nav');
    expect(screen.getByTestId('nav-dashboard')).toHaveAttribute('aria-current', 'page');
    await fireEvent.click(nav);
    expect(nav).toHaveAttribute('aria-current', 'page');
    const rows = await screen.findAllByTestId('document-row');
    expect(rows).toHaveLength(1);
    expect(within(rows[0]).getByText('Discharge summary', { selector: 'button' })).toBeInTheDocument();
    expect(api.documents).toHaveBeenCalledWith(1);

    await fireEvent.click(screen.getByTestId('person-2'));
    expect(screen.queryByTestId('documents-list')).not.toBeInTheDocument();
    expect(screen.getByTestId('nav-dashboard')).toHaveAttribute('aria-current', 'page');
  });
});
