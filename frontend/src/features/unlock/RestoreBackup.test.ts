import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('../../lib/api', async (importOriginal) => {
  const { withRealErrors } = await import('../../test/api-mock');
  return withRealErrors(importOriginal, {
    hasRuntime: () => true,
    chooseBackupFile: vi.fn(),
    restoreFromBackup: vi.fn(),
    unlock: vi.fn(),
    unlockWithRecoveryKey: vi.fn(),
  });
});

import * as api from '../../lib/api';
import { app } from '../../lib/wire';
import RestoreBackup from './RestoreBackup.svelte';
import Unlock from './Unlock.svelte';

const chooseMock = vi.mocked(api.chooseBackupFile);
const restoreMock = vi.mocked(api.restoreFromBackup);
const PATH = '/home/ana/.config/Fasten/household.fasten';

function file(over: Partial<app.BackupFile> = {}): app.BackupFile {
  return {
    name: 'Fasten-backup-2026-12-01T053000.fastenbackup',
    created: '2026-12-01T05:30:00Z',
    records: 1745,
    people: 6,
    vaultExists: false,
    ...over,
  } as app.BackupFile;
}

async function chooseAndType(secret: string) {
  await fireEvent.click(screen.getByTestId('restore-choose'));
  await screen.findByTestId('restore-file');
  await fireEvent.input(screen.getByTestId('restore-secret'), { target: { value: secret } });
}

describe('Restore from a backup', () => {
  beforeEach(() => vi.clearAllMocks());

  it('shows the chosen backup, restores with the passphrase and says it is open', async () => {
    chooseMock.mockResolvedValueOnce(file());
    restoreMock.mockResolvedValueOnce({ records: 1745, people: 6, unlocked: true, replaced: false } as app.Restored);
    const onrestored = vi.fn();
    render(RestoreBackup, { path: PATH, onrestored, oncancel: vi.fn() });
    expect(screen.getByTestId('restore-path')).toHaveTextContent(PATH);
    expect(screen.getByTestId('restore-submit')).toBeDisabled(); // nothing chosen yet
    await chooseAndType('correct horse battery');
    expect(screen.getByTestId('restore-file')).toHaveTextContent('Fasten-backup-2026-12-01T053000.fastenbackup');
    expect(screen.getByTestId('restore-file')).toHaveTextContent('1,745 records');
    expect(screen.queryByTestId('restore-replace')).toBeNull();
    await fireEvent.click(screen.getByTestId('restore-submit'));
    await waitFor(() => expect(onrestored).toHaveBeenCalledWith(true));
    expect(restoreMock).toHaveBeenCalledWith('correct horse battery', false);
  });

  it('a cancelled dialog changes nothing', async () => {
    chooseMock.mockResolvedValueOnce(file({ name: '' }));
    render(RestoreBackup, { path: PATH, onrestored: vi.fn(), oncancel: vi.fn() });
    await fireEvent.click(screen.getByTestId('restore-choose'));
    await waitFor(() => expect(chooseMock).toHaveBeenCalled());
    expect(screen.queryByTestId('restore-file')).toBeNull();
    expect(screen.getByTestId('restore-submit')).toBeDisabled();
  });

  it("asks for the secret, and shows Go's reason for a damaged file or a wrong passphrase", async () => {
    chooseMock.mockResolvedValueOnce(file());
    const onrestored = vi.fn();
    render(RestoreBackup, { path: PATH, onrestored, oncancel: vi.fn() });
    await chooseAndType('');
    await fireEvent.click(screen.getByTestId('restore-submit'));
    expect(await screen.findByTestId('restore-error')).toHaveTextContent('passphrase or its recovery key');
    expect(restoreMock).not.toHaveBeenCalled();

    restoreMock.mockRejectedValueOnce(
      new api.ApiError({ kind: app.ErrorKind.BackupDamaged, message: 'This backup file is incomplete (cut short while it was copied?)' }),
    );
    await fireEvent.input(screen.getByTestId('restore-secret'), { target: { value: 'correct horse battery' } });
    await fireEvent.click(screen.getByTestId('restore-submit'));
    await waitFor(() => expect(screen.getByTestId('restore-error')).toHaveTextContent('incomplete'));

    restoreMock.mockRejectedValueOnce(new api.ApiError({ kind: app.ErrorKind.WrongPassphrase, message: 'That passphrase does not open this vault.' }));
    await fireEvent.click(screen.getByTestId('restore-submit'));
    await waitFor(() => expect(screen.getByTestId('restore-error')).toHaveTextContent('does not open'));
    expect(onrestored).not.toHaveBeenCalled();
  });

  it('replaces a vault already here only after the box is ticked', async () => {
    chooseMock.mockResolvedValueOnce(file({ vaultExists: true }));
    restoreMock.mockResolvedValueOnce({ records: 1745, people: 6, unlocked: false, replaced: true } as app.Restored);
    const onrestored = vi.fn();
    render(RestoreBackup, { path: PATH, onrestored, oncancel: vi.fn() });
    await chooseAndType('ABCD-EFGH recovery');
    await fireEvent.click(screen.getByTestId('restore-submit'));
    expect(await screen.findByTestId('restore-error')).toHaveTextContent('Tick the box');
    expect(restoreMock).not.toHaveBeenCalled();
    await fireEvent.click(screen.getByTestId('restore-replace'));
    await fireEvent.click(screen.getByTestId('restore-submit'));
    await waitFor(() => expect(onrestored).toHaveBeenCalledWith(false));
    expect(restoreMock).toHaveBeenCalledWith('ABCD-EFGH recovery', true);
  });

  it("Go's vault_exists (a vault appeared meanwhile) shows the replace box", async () => {
    chooseMock.mockResolvedValueOnce(file());
    restoreMock.mockRejectedValueOnce(new api.ApiError({ kind: app.ErrorKind.VaultExists, message: 'A vault is already here.' }));
    render(RestoreBackup, { path: PATH, onrestored: vi.fn(), oncancel: vi.fn() });
    await chooseAndType('correct horse battery');
    await fireEvent.click(screen.getByTestId('restore-submit'));
    expect(await screen.findByTestId('restore-replace')).not.toBeChecked();
    expect(screen.getByTestId('restore-error')).toHaveTextContent('already here');
  });

  it('is reached from the unlock screen, and Back returns to it', async () => {
    render(Unlock, { path: PATH, onunlocked: vi.fn() });
    await fireEvent.click(screen.getByTestId('unlock-restore'));
    expect(await screen.findByTestId('restore-form')).toBeInTheDocument();
    await fireEvent.click(screen.getByTestId('restore-cancel'));
    expect(await screen.findByTestId('unlock-passphrase')).toBeInTheDocument();
  });

  it('restored with the recovery key on the unlock screen: back to unlock, saying so', async () => {
    chooseMock.mockResolvedValueOnce(file({ vaultExists: true }));
    restoreMock.mockResolvedValueOnce({ records: 10, people: 1, unlocked: false, replaced: true } as app.Restored);
    const onunlocked = vi.fn();
    render(Unlock, { path: PATH, onunlocked });
    await fireEvent.click(screen.getByTestId('unlock-restore'));
    await chooseAndType('ABCD-EFGH recovery');
    await fireEvent.click(screen.getByTestId('restore-replace'));
    await fireEvent.click(screen.getByTestId('restore-submit'));
    expect(await screen.findByTestId('restored-notice')).toHaveTextContent('The backup is restored');
    expect(screen.getByTestId('unlock-passphrase')).toBeInTheDocument();
    expect(onunlocked).not.toHaveBeenCalled();
  });
});
