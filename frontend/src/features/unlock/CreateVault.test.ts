import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('../../lib/api', async (importOriginal) => {
  const { withRealErrors } = await import('../../test/api-mock');
  return withRealErrors(importOriginal, { createVault: vi.fn() });
});

import * as api from '../../lib/api';
import CreateVault from './CreateVault.svelte';

const createMock = vi.mocked(api.createVault);

async function fill(pass: string) {
  await fireEvent.input(screen.getByTestId('create-passphrase'), { target: { value: pass } });
  await fireEvent.input(screen.getByTestId('create-confirm'), { target: { value: pass } });
}

describe('CreateVault: a weak passphrase needs a deliberate override', () => {
  beforeEach(() => vi.clearAllMocks());

  it('refuses "password" until "Use this weak passphrase anyway" is ticked', async () => {
    createMock.mockResolvedValue('KEY');
    const oncreated = vi.fn();
    render(CreateVault, { path: '', oncreated });
    await fill('password');
    await fireEvent.click(screen.getByTestId('create-submit'));
    expect(await screen.findByTestId('create-error')).toHaveTextContent('easy to guess');
    expect(createMock).not.toHaveBeenCalled();

    const tick = await screen.findByLabelText('Use this weak passphrase anyway');
    await fireEvent.click(tick);
    await fireEvent.click(screen.getByTestId('create-submit'));
    await waitFor(() => expect(createMock).toHaveBeenCalledWith('password', 'password'));
    expect(oncreated).toHaveBeenCalledWith('KEY');
  });

  it('accepts a strong passphrase without asking', async () => {
    createMock.mockResolvedValue('KEY');
    render(CreateVault, { path: '', oncreated: vi.fn() });
    await fill('e2e family passphrase 42');
    await fireEvent.click(screen.getByTestId('create-submit'));
    await waitFor(() => expect(createMock).toHaveBeenCalledTimes(1));
    expect(screen.queryByTestId('create-accept-weak')).toBeNull();
  });

  it('still checks the minimum length first', async () => {
    render(CreateVault, { path: '', oncreated: vi.fn() });
    await fill('short');
    await fireEvent.click(screen.getByTestId('create-submit'));
    expect(await screen.findByTestId('create-error')).toHaveTextContent('at least 8 characters');
    expect(createMock).not.toHaveBeenCalled();
  });
});
