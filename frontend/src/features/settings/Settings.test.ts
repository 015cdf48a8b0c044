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
    backupSettings: vi.fn(async () => backupStatus()),
    setBackupFolder: vi.fn(),
    setBackupKeep: vi.fn(),
    backupNow: vi.fn(),
    onBackupDone: vi.fn(() => () => {}),
  });
});

/** A backup status as Go sends it; zero times are Go's zero time. */
function backupStatus(over: Record<string, unknown> = {}) {
  return {
    folder: '',
    keep: 7,
    lastOk: '0001-01-01T00:00:00Z',
    lastPath: '',
    lastError: '',
    lastErrorAt: '0001-01-01T00:00:00Z',
    stale: true,
    running: false,
    ...over,
  };
}

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

describe('Settings: backups', () => {
  beforeEach(() => vi.clearAllMocks());

  it('says when no folder is chosen, and Back up now waits for one', async () => {
    render(Settings);
    expect(await screen.findByTestId('settings-backup-folder')).toHaveTextContent('No folder chosen');
    expect(screen.getByTestId('settings-backup-last')).toHaveTextContent('never');
    expect(screen.getByTestId('settings-backup-now')).toBeDisabled();
    // No nagging before a folder is chosen.
    expect(screen.queryByTestId('settings-backup-stale')).toBeNull();
  });

  it('shows the folder, the last backup, and warns when it is over a week old', async () => {
    const old = new Date(Date.now() - 9 * 24 * 3600 * 1000).toISOString();
    vi.mocked(api.backupSettings).mockResolvedValueOnce(backupStatus({ folder: '/media/usb/Fasten', lastOk: old, stale: true }) as never);
    render(Settings);
    expect(await screen.findByTestId('settings-backup-folder')).toHaveTextContent('/media/usb/Fasten');
    expect(screen.getByTestId('settings-backup-last')).not.toHaveTextContent('never');
    expect(screen.getByTestId('settings-backup-stale')).toHaveTextContent('more than a week old');
    expect((screen.getByTestId('settings-backup-keep') as HTMLSelectElement).value).toBe('7');
  });

  it('backs up now and shows the new time; a failure shows Go\'s words and the kept error', async () => {
    const fresh = new Date().toISOString();
    vi.mocked(api.backupSettings).mockResolvedValueOnce(backupStatus({ folder: '/media/usb' }) as never);
    vi.mocked(api.backupNow).mockResolvedValueOnce(backupStatus({ folder: '/media/usb', lastOk: fresh, stale: false }) as never);
    render(Settings);
    const btn = await screen.findByTestId('settings-backup-now');
    await waitFor(() => expect(btn).toBeEnabled());
    await fireEvent.click(btn);
    expect(await screen.findByTestId('settings-backup-msg')).toHaveTextContent('Backed up and checked');
    expect(screen.queryByTestId('settings-backup-stale')).toBeNull();
    expect(screen.getByTestId('settings-backup-last')).not.toHaveTextContent('never');

    vi.mocked(api.backupNow).mockRejectedValueOnce(
      new api.ApiError({ kind: 'backup_folder' as never, message: 'The backup folder is not there. Is the drive connected?' }),
    );
    vi.mocked(api.backupSettings).mockResolvedValueOnce(
      backupStatus({ folder: '/media/usb', lastOk: fresh, stale: false, lastError: 'the backup folder is not there', lastErrorAt: fresh }) as never,
    );
    await fireEvent.click(screen.getByTestId('settings-backup-now'));
    expect(await screen.findByTestId('settings-backup-call-error')).toHaveTextContent('Is the drive connected?');
    expect(await screen.findByTestId('settings-backup-error')).toHaveTextContent('failed: the backup folder is not there');
  });

  it('saves how many to keep', async () => {
    vi.mocked(api.backupSettings).mockResolvedValueOnce(backupStatus({ folder: '/b' }) as never);
    vi.mocked(api.setBackupKeep).mockResolvedValueOnce(backupStatus({ folder: '/b', keep: 14 }) as never);
    render(Settings);
    const sel = (await screen.findByTestId('settings-backup-keep')) as HTMLSelectElement;
    await fireEvent.change(sel, { target: { value: '14' } });
    await waitFor(() => expect(api.setBackupKeep).toHaveBeenCalledWith(14));
    expect(await screen.findByTestId('settings-backup-msg')).toHaveTextContent('Saved.');
  });
});
