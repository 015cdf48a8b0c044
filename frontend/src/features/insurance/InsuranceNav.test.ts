// The Insurance tab in the person's header (after Documents), and the single
// "Insurance (N)" link the overview and dashboard show instead of listing
// claims and coverage among the medical record types.
import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';

vi.mock('../../lib/api', async (importOriginal) => {
  const { withRealErrors } = await import('../../test/api-mock');
  const off = () => () => {};
  const person = { id: 1, name: 'Ana Ruiz', birthDate: '', records: 40 };
  const list = { conditions: [], medications: [], allergies: [], immunizations: [], vitals: [], labs: [] };
  return withRealErrors(importOriginal, {
    people: vi.fn(async () => [person]),
    unmatched: vi.fn(async () => []),
    connections: vi.fn(async () => []),
    registrations: vi.fn(async () => []),
    touch: vi.fn(async () => {}),
    onImportProgress: vi.fn(off),
    onVaultPacking: vi.fn(off),
    onFileDrop: vi.fn(off),
    overview: vi.fn(async () => ({ person, counts: [{ resourceType: 'Condition', count: 3 }], insurance: 17, ...list })),
    setAsideRecords: vi.fn(async () => []),
    dashboard: vi.fn(async () => ({
      person, patientRecords: 1, counts: [{ resourceType: 'Condition', count: 3 }], insurance: 17, problems: [], medications: [], pastMedications: 0,
      allergies: [], immunizations: [], visits: [], vitals: [], flagged: [], carePlans: [], goals: [], connections: [],
    })),
    insurance: vi.fn(async () => ({ coverages: [], claims: [], years: [] })),
    markViewed: vi.fn(async () => {}),
  });
});

import * as api from '../../lib/api';
import Shell from '../../Shell.svelte';

describe('Insurance navigation', () => {
  it('is a person tab after Documents', async () => {
    render(Shell);
    const nav = await screen.findByTestId('nav-insurance');
    const tabs = [...nav.parentElement!.querySelectorAll('button')].map((b) => b.dataset.testid);
    expect(tabs.indexOf('nav-insurance')).toBe(tabs.indexOf('documents-nav') + 1);
    await fireEvent.click(nav);
    expect(nav).toHaveAttribute('aria-current', 'page');
    expect(await screen.findByTestId('insurance-empty')).toBeInTheDocument();
    expect(api.insurance).toHaveBeenCalledWith(1, null, 50);
  });

  it('opens from the dashboard link and from the overview link, not from a type chip', async () => {
    render(Shell);
    // The session outlives a test: start from the dashboard.
    await fireEvent.click(await screen.findByTestId('nav-dashboard'));
    await fireEvent.click(await screen.findByTestId('dashboard-insurance'));
    expect(screen.getByTestId('nav-insurance')).toHaveAttribute('aria-current', 'page');
    expect(await screen.findByTestId('insurance')).toBeInTheDocument();

    await fireEvent.click(screen.getByTestId('nav-overview'));
    const link = await screen.findByTestId('overview-insurance');
    expect(link).toHaveTextContent('Insurance (17)');
    expect(screen.queryByTestId('type-chip-Claim')).toBeNull();
    await fireEvent.click(link);
    expect(screen.getByTestId('nav-insurance')).toHaveAttribute('aria-current', 'page');
  });
});
