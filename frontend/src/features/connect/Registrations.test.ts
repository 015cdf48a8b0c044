import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('../../lib/api', async (importOriginal) => {
  const { withRealErrors } = await import('../../test/api-mock');
  return withRealErrors(importOriginal, {
    registrations: vi.fn(),
    setRegistration: vi.fn(),
  });
});

import * as api from '../../lib/api';
import Registrations from './Registrations.svelte';

const regsMock = vi.mocked(api.registrations);
const setMock = vi.mocked(api.setRegistration);

describe('Provider registrations', () => {
  beforeEach(() => {
    vi.clearAllMocks();
    regsMock.mockResolvedValue([
      { vendor: 'epic', vendorName: 'Epic (MyChart)', clientId: 'built-in-epic', redirect: 'scheme', builtIn: true },
      { vendor: 'other', vendorName: 'Other SMART servers', clientId: '', redirect: 'scheme', builtIn: true },
    ]);
  });

  it('lists vendors, marks built-in ids and saves a new one', async () => {
    render(Registrations);
    const section = screen.getByTestId('settings-registrations');
    expect(section).toHaveTextContent('Fasten connects as a public app registered with each EHR vendor.');
    const epic = await screen.findByTestId('registration-epic');
    expect(epic).toHaveValue('built-in-epic');
    expect(screen.getByTestId('registration-builtin-epic')).toHaveTextContent('built in');
    expect(screen.queryByTestId('registration-builtin-other')).toBeNull();

    await fireEvent.input(screen.getByTestId('registration-other'), { target: { value: ' my-client ' } });
    await fireEvent.change(screen.getByTestId('registration-redirect-other'), { target: { value: 'loopback' } });
    await fireEvent.click(screen.getByTestId('registration-save-other'));
    await waitFor(() => expect(setMock).toHaveBeenCalledWith('other', 'my-client', 'loopback'));
  });
});
