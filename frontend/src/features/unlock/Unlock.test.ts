import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('../../lib/api', async (importOriginal) => {
  const { withRealErrors } = await import('../../test/api-mock');
  return withRealErrors(importOriginal, {
    unlock: vi.fn(),
    unlockWithRecoveryKey: vi.fn(),
  });
});

import * as api from '../../lib/api';
import { LockReason } from '../../lib/wire';
import Unlock from './Unlock.svelte';

const unlockMock = vi.mocked(api.unlock);
const recoveryMock = vi.mocked(api.unlockWithRecoveryKey);

describe('Unlock screen', () => {
  beforeEach(() => {
    unlockMock.mockReset();
    recoveryMock.mockReset();
  });

  it('shows the Go error message when the passphrase is wrong', async () => {
    unlockMock.mockRejectedValueOnce(new Error('wrong passphrase'));
    const onunlocked = vi.fn();
    render(Unlock, { path: '/home/me/.fasten/vault.db', onunlocked });

    expect(screen.getByTestId('vault-path')).toHaveTextContent('/home/me/.fasten/vault.db');
    await fireEvent.input(screen.getByTestId('unlock-passphrase'), { target: { value: 'not it at all' } });
    await fireEvent.click(screen.getByTestId('unlock-submit'));

    const err = await screen.findByTestId('unlock-error');
    expect(err).toHaveTextContent('wrong passphrase');
    expect(err).toHaveAttribute('role', 'alert');
    expect(unlockMock).toHaveBeenCalledWith('not it at all');
    expect(onunlocked).not.toHaveBeenCalled();
    expect(screen.getByTestId('unlock-passphrase')).toHaveAttribute('aria-invalid', 'true');
  });

  it('unlocks with the right passphrase', async () => {
    unlockMock.mockResolvedValueOnce(undefined);
    const onunlocked = vi.fn();
    render(Unlock, { path: '', onunlocked });
    await fireEvent.input(screen.getByTestId('unlock-passphrase'), { target: { value: 'the right one' } });
    await fireEvent.click(screen.getByTestId('unlock-submit'));
    await waitFor(() => expect(onunlocked).toHaveBeenCalledOnce());
    expect(screen.queryByTestId('unlock-error')).toBeNull();
  });

  it('asks for a passphrase before calling Go', async () => {
    render(Unlock, { path: '', onunlocked: vi.fn() });
    await fireEvent.click(screen.getByTestId('unlock-submit'));
    expect(await screen.findByTestId('unlock-error')).toHaveTextContent('Type your passphrase');
    expect(unlockMock).not.toHaveBeenCalled();
  });

  it('explains an idle lock', () => {
    render(Unlock, { path: '', reason: LockReason.Idle, onunlocked: vi.fn() });
    expect(screen.getByTestId('lock-notice')).toHaveTextContent(/not used for a while/);
  });

  it('recovers with the recovery key and a new passphrase', async () => {
    recoveryMock.mockRejectedValueOnce(new Error('this recovery key does not open the vault'));
    const onunlocked = vi.fn();
    render(Unlock, { path: '', onunlocked });
    await fireEvent.click(screen.getByTestId('forgot-passphrase'));

    await fireEvent.input(screen.getByTestId('recovery-key-input'), { target: { value: 'ABCD-EFGH' } });
    await fireEvent.input(screen.getByTestId('recovery-new-passphrase'), { target: { value: 'a brand new phrase' } });
    await fireEvent.input(screen.getByTestId('recovery-confirm'), { target: { value: 'a brand new phrase' } });
    await fireEvent.click(screen.getByTestId('recovery-submit'));
    expect(await screen.findByTestId('recovery-error')).toHaveTextContent('does not open the vault');
    expect(recoveryMock).toHaveBeenCalledWith('ABCD-EFGH', 'a brand new phrase', 'a brand new phrase');

    recoveryMock.mockResolvedValueOnce(undefined);
    await fireEvent.click(screen.getByTestId('recovery-submit'));
    await waitFor(() => expect(onunlocked).toHaveBeenCalledOnce());
  });

  it('checks that the new passphrases match', async () => {
    render(Unlock, { path: '', onunlocked: vi.fn() });
    await fireEvent.click(screen.getByTestId('forgot-passphrase'));
    await fireEvent.input(screen.getByTestId('recovery-key-input'), { target: { value: 'KEY' } });
    await fireEvent.input(screen.getByTestId('recovery-new-passphrase'), { target: { value: 'first phrase' } });
    await fireEvent.input(screen.getByTestId('recovery-confirm'), { target: { value: 'second phrase' } });
    await fireEvent.click(screen.getByTestId('recovery-submit'));
    expect(await screen.findByTestId('recovery-error')).toHaveTextContent('different');
    expect(recoveryMock).not.toHaveBeenCalled();
  });
});

describe('Unlock screen: provider sign-in notice', () => {
  it('says a provider sign-in is waiting for the unlock', () => {
    render(Unlock, { path: '', connectNotice: 'A sign-in came back. Unlock your vault to finish connecting.', onunlocked: vi.fn() });
    const n = screen.getByTestId('connect-waiting-notice');
    expect(n).toHaveTextContent('Unlock your vault to finish connecting');
    expect(n).not.toHaveAttribute('role', 'alert');
  });

  it('shows nothing when no sign-in is waiting', () => {
    render(Unlock, { path: '', onunlocked: vi.fn() });
    expect(screen.queryByTestId('connect-waiting-notice')).toBeNull();
  });
});
