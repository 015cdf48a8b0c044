import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('../../lib/api', async (importOriginal) => {
  const { withRealErrors } = await import('../../test/api-mock');
  return withRealErrors(importOriginal, {
    connections: vi.fn(),
    disconnect: vi.fn(),
    startConnection: vi.fn(),
    people: vi.fn(async () => []),
  });
});

import * as api from '../../lib/api';
import { connection } from '../../test/fixtures';
import { household } from '../../lib/session.svelte';
import { connect } from '../../lib/wire';
import ConnectionList from './ConnectionList.svelte';
import { connector } from './connector.svelte';
import { network } from '../../lib/network.svelte';

const listMock = vi.mocked(api.connections);
const disconnectMock = vi.mocked(api.disconnect);
const startMock = vi.mocked(api.startConnection);


const list: connect.Connection[] = [
  connection({ id: 1 }),
  connection({ id: 2, personId: 7, personName: 'Leo Ruiz', status: connect.Status.NeedsReconnect, statusText: 'Sign in again to keep updating', action: connect.Action.Reconnect, records: 5 }),
  connection({ id: 3, providerId: '', providerName: 'fhir.example.org', fhirBase: 'https://fhir.example.org/r4', status: connect.Status.Error, statusText: 'The last update failed', action: connect.Action.Retry, records: 0 }),
  connection({ id: 4, status: connect.Status.ExpiresSoon, statusText: 'Sign-in expires in 3 days', action: connect.Action.Reconnect }),
];

describe('Connections list', () => {
  beforeEach(() => {
    vi.clearAllMocks();
    connector.reset();
    household.reset();
    listMock.mockResolvedValue(list);
  });

  it('says so when nothing is connected', async () => {
    listMock.mockResolvedValue([]);
    render(ConnectionList);
    expect(await screen.findByTestId('connections-empty')).toHaveTextContent('No providers connected yet');
  });

  it('renders each connection with its status and the one action that fixes it', async () => {
    render(ConnectionList);
    const rows = await screen.findAllByTestId('connection-row');
    expect(rows.map((r) => r.getAttribute('data-id'))).toEqual(['1', '2', '3', '4']);

    const [ok, reconnect, retry, soon] = rows;
    expect(ok).toHaveTextContent('Mercy Hospital');
    expect(ok).toHaveTextContent('Ana Ruiz');
    expect(ok).toHaveTextContent('120 records');
    expect(within(ok).getByTestId('connection-status')).toHaveTextContent('Connected · updated today');
    expect(within(ok).getByTestId('connection-status')).toHaveClass('badge-ok');
    expect(within(ok).queryByTestId('connection-action')).toBeNull();
    expect(within(ok).getByTestId('connection-disconnect')).toBeInTheDocument();

    expect(within(reconnect).getByTestId('connection-status')).toHaveTextContent('Sign in again');
    expect(within(reconnect).getByTestId('connection-status')).toHaveClass('badge-warn');
    expect(within(reconnect).getByTestId('connection-action')).toHaveTextContent('Reconnect');

    expect(within(retry).getByTestId('connection-status')).toHaveClass('badge-danger');
    expect(within(retry).getByTestId('connection-action')).toHaveTextContent('Retry');
    expect(within(soon).getByTestId('connection-action')).toHaveTextContent('Reconnect');
  });

  it('reconnects and retries through StartConnection with the same provider', async () => {
    startMock.mockResolvedValue({ authUrl: 'a', redirectUri: 'r', providerName: 'Mercy Hospital', loopback: false });
    render(ConnectionList);
    const rows = await screen.findAllByTestId('connection-row');

    await fireEvent.click(within(rows[1]).getByTestId('connection-action'));
    expect(startMock).toHaveBeenCalledWith(7, 'epic-1', 'https://fhir.mercy.net/api/FHIR/R4', 'Mercy Hospital');
    await waitFor(() => expect(connector.phase).toBe('waiting'));

    await fireEvent.click(within(rows[2]).getByTestId('connection-action'));
    expect(startMock).toHaveBeenLastCalledWith(1, '', 'https://fhir.example.org/r4', 'fhir.example.org');
  });

  it('disconnects after confirming, deleting records only when asked', async () => {
    disconnectMock.mockResolvedValue(undefined);
    render(ConnectionList);
    const rows = await screen.findAllByTestId('connection-row');

    await fireEvent.click(within(rows[0]).getByTestId('connection-disconnect'));
    const dialog = await screen.findByTestId('disconnect-dialog');
    expect(dialog).toHaveTextContent('Also delete the 120 records from this provider');
    const box = within(dialog).getByTestId('disconnect-delete-records');
    expect(box).not.toBeChecked();
    await fireEvent.click(box);
    await fireEvent.click(within(dialog).getByTestId('disconnect-confirm'));

    await waitFor(() => expect(disconnectMock).toHaveBeenCalledWith(1, true));
    await waitFor(() => expect(screen.queryByTestId('disconnect-dialog')).toBeNull());
    expect(api.people).toHaveBeenCalled(); // record counts changed
    expect(listMock).toHaveBeenCalledTimes(2);
  });

  it('keeps the records by default', async () => {
    disconnectMock.mockResolvedValue(undefined);
    render(ConnectionList);
    const rows = await screen.findAllByTestId('connection-row');
    await fireEvent.click(within(rows[1]).getByTestId('connection-disconnect'));
    await fireEvent.click(await screen.findByTestId('disconnect-confirm'));
    await waitFor(() => expect(disconnectMock).toHaveBeenCalledWith(2, false));
    expect(api.people).not.toHaveBeenCalled();
  });

  it('shows a disconnect error in the dialog', async () => {
    disconnectMock.mockRejectedValue(new Error('could not disconnect'));
    render(ConnectionList);
    const rows = await screen.findAllByTestId('connection-row');
    await fireEvent.click(within(rows[0]).getByTestId('connection-disconnect'));
    await fireEvent.click(await screen.findByTestId('disconnect-confirm'));
    expect(await screen.findByTestId('disconnect-error')).toHaveTextContent('could not disconnect');
    expect(screen.getByTestId('disconnect-dialog')).toBeInTheDocument();
  });

  it('offline, says syncing waits and disables the sync buttons', async () => {
    network.online = false;
    try {
      render(ConnectionList);
      await waitFor(() => expect(screen.getByTestId('sync-offline')).toBeInTheDocument());
      expect(screen.getByTestId('sync-now')).toBeDisabled();
      for (const b of screen.getAllByTestId('connection-sync')) expect(b).toBeDisabled();
    } finally {
      network.online = true;
    }
    await waitFor(() => expect(screen.queryByTestId('sync-offline')).toBeNull());
    expect(screen.getByTestId('sync-now')).toBeEnabled();
  });
});
