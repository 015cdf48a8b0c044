import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('../../lib/api', async (importOriginal) => {
  const { withRealErrors } = await import('../../test/api-mock');
  return withRealErrors(importOriginal, {
    hasRuntime: () => false,
    stats: vi.fn(async () => ({ resources: {}, total: 0, people: 0, versions: 0, imports: 0 })),
    registrations: vi.fn(async () => []),
    setRegistration: vi.fn(),
    setAutoLockMinutes: vi.fn(),
    setSyncIntervalHours: vi.fn(),
    syncIntervalHours: vi.fn(async () => 24),
    status: vi.fn(),
  });
});

import * as api from '../../lib/api';
import Settings from './Settings.svelte';

const setMock = vi.mocked(api.setSyncIntervalHours);

describe('Settings: how often to check for new records', () => {
  it('shows the interval stored in the vault', async () => {
    vi.mocked(api.syncIntervalHours).mockResolvedValueOnce(168);
    render(Settings);
    const select = screen.getByTestId('settings-sync-interval') as HTMLSelectElement;
    await waitFor(() => expect(select.value).toBe('168'));
  });

  beforeEach(() => vi.clearAllMocks());

  it('offers 6 hours to a week, a day by default, and saves on change', async () => {
    setMock.mockResolvedValue(undefined);
    render(Settings);
    const select = screen.getByTestId('settings-sync-interval') as HTMLSelectElement;
    expect(screen.getByLabelText('Check for new records every')).toBe(select);
    expect([...select.options].map((o) => o.textContent)).toEqual(['6 hours', '12 hours', 'day', 'week']);
    expect(select.value).toBe('24');

    await fireEvent.change(select, { target: { value: '168' } });
    await waitFor(() => expect(setMock).toHaveBeenCalledWith(168));
    expect(await screen.findByText('Saved.')).toBeInTheDocument();
  });

  it("shows Go's error", async () => {
    setMock.mockRejectedValue(new Error('choose between 1 hour and 30 days'));
    render(Settings);
    await fireEvent.change(screen.getByTestId('settings-sync-interval'), { target: { value: '6' } });
    expect(await screen.findByTestId('settings-sync-error')).toHaveTextContent('choose between 1 hour and 30 days');
  });
});

describe('Settings: provider registrations are advanced', () => {
  it('keeps them in a collapsed "Advanced" section', async () => {
    render(Settings);
    const adv = screen.getByTestId('settings-advanced') as HTMLDetailsElement;
    expect(adv.tagName).toBe('DETAILS');
    expect(adv.open).toBe(false);
    expect(screen.getByTestId('settings-advanced-toggle')).toHaveTextContent('Advanced');
  });

  it('opens them when a Connect error sends the person there', async () => {
    const { household } = await import('../../lib/session.svelte');
    household.go({ kind: 'settings', section: 'registrations' });
    render(Settings);
    await waitFor(() => expect((screen.getByTestId('settings-advanced') as HTMLDetailsElement).open).toBe(true));
  });
});
