import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

type Handler<T> = (v: T) => void;
const handlers: { progress?: Handler<unknown>; done?: Handler<unknown>; failed?: Handler<unknown> } = {};

vi.mock('../../lib/api', async (importOriginal) => {
  const { withRealErrors } = await import('../../test/api-mock');
  return withRealErrors(importOriginal, {
    connections: vi.fn(),
    disconnect: vi.fn(),
    startConnection: vi.fn(),
    people: vi.fn(async () => []),
    syncNow: vi.fn(),
    syncHistory: vi.fn(),
    setSyncIntervalHours: vi.fn(),
    onSyncProgress: vi.fn((fn: Handler<unknown>) => {
      handlers.progress = fn;
      return () => {};
    }),
    onSyncDone: vi.fn((fn: Handler<unknown>) => {
      handlers.done = fn;
      return () => {};
    }),
    onSyncFailed: vi.fn((fn: Handler<unknown>) => {
      handlers.failed = fn;
      return () => {};
    }),
  });
});

import * as api from '../../lib/api';
import { connection } from '../../test/fixtures';
import { household, session } from '../../lib/session.svelte';
import { app, connect, providersync, type SyncProgress, type SyncRun, type SyncSummary } from '../../lib/wire';
import ConnectionList from './ConnectionList.svelte';
import { connector } from './connector.svelte';
import { syncer } from './syncer.svelte';

const listMock = vi.mocked(api.connections);
const syncMock = vi.mocked(api.syncNow);
const historyMock = vi.mocked(api.syncHistory);


const progress = (p: Partial<SyncProgress>) =>
  handlers.progress!({ connectionId: 1, phase: providersync.Phase.Fetching, tasksDone: 3, tasksTotal: 12, resources: 1234, message: 'Observation', pausedUntil: '', ...p });
const done = (r: Partial<SyncSummary>[]) =>
  handlers.done!(
    r.map((x): SyncSummary => ({
      connectionId: 1,
      outcome: providersync.RunStatus.Complete,
      complete: true,
      resources: 0,
      added: 0,
      updated: 0,
      failed: [],
      error: null,
      ...x,
    })),
  );

let off: () => void;

describe('Syncing connections', () => {
  beforeEach(() => {
    vi.clearAllMocks();
    connector.reset();
    household.reset();
    session.phase = 'main';
    listMock.mockResolvedValue([connection({ id: 1 }), connection({ id: 2, providerName: 'Valley Clinic', personName: 'Leo Ruiz' })]);
    syncMock.mockResolvedValue(undefined);
    off = syncer.listen();
  });
  afterEach(() => off());

  it('shows a progress bar with the phase in words while a sync runs', async () => {
    render(ConnectionList);
    const rows = await screen.findAllByTestId('connection-row');
    expect(within(rows[0]).queryByTestId('sync-progress')).toBeNull();

    progress({ phase: providersync.Phase.Planning, tasksDone: 0, tasksTotal: 0, resources: 0 });
    const box = await within(rows[0]).findByTestId('sync-progress');
    expect(box).toHaveTextContent('Looking at what the provider offers');
    expect(box).toHaveTextContent('0 records so far');

    progress({});
    await waitFor(() => expect(box).toHaveTextContent('Downloading records'));
    expect(box).toHaveTextContent('1,234 records so far');
    const bar = within(box).getByRole('progressbar');
    expect(bar).toHaveAttribute('aria-valuenow', '3');
    expect(bar).toHaveAttribute('aria-valuemax', '12');

    progress({ phase: providersync.Phase.References });
    await waitFor(() => expect(box).toHaveTextContent('Fetching related records'));
    progress({ phase: providersync.Phase.Attachments });
    await waitFor(() => expect(box).toHaveTextContent('Downloading documents'));

    // Only the syncing connection shows a bar; Sync now waits.
    expect(within(rows[1]).queryByTestId('sync-progress')).toBeNull();
    expect(screen.getByTestId('sync-now')).toBeDisabled();
  });

  it('says when the provider asked Fasten to wait, counts down, and drops it when the time is up', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      render(ConnectionList);
      const rows = await screen.findAllByTestId('connection-row');
      progress({});
      const box = await within(rows[0]).findByTestId('sync-progress');
      expect(within(box).queryByTestId('sync-paused')).toBeNull();

      progress({ pausedUntil: new Date(Date.now() + 40_000).toISOString() });
      const paused = await within(box).findByTestId('sync-paused');
      expect(paused).toHaveTextContent(/The provider asked Fasten to wait · continuing in (40|39) s/);
      await vi.advanceTimersByTimeAsync(10_000);
      await waitFor(() => expect(paused).toHaveTextContent(/continuing in (30|29) s/));
      // The clock alone ends it: no further event is needed.
      await vi.advanceTimersByTimeAsync(31_000);
      await waitFor(() => expect(within(box).queryByTestId('sync-paused')).toBeNull());
      expect(box).toHaveTextContent('Downloading records');

      // Long pauses are said in minutes.
      progress({ pausedUntil: new Date(Date.now() + 5 * 60_000).toISOString() });
      expect(await within(box).findByTestId('sync-paused')).toHaveTextContent('continuing in 5 min');
    } finally {
      vi.useRealTimers();
    }
  });

  it('reports the outcome in plain words and refreshes lists and counts', async () => {
    render(ConnectionList);
    const rows = await screen.findAllByTestId('connection-row');
    progress({});
    await within(rows[0]).findByTestId('sync-progress');
    const version = household.version;

    done([
      {
        connectionId: 1,
        outcome: providersync.RunStatus.Partial,
        complete: false,
        resources: 40,
        added: 2,
        failed: [
          { task: 'Observation', count: 3, reason: 'the server was too slow' },
          { task: 'Condition', count: 1, reason: 'gave up after 6 attempts: rate limited (429)', kind: providersync.FailureKind.RateLimited },
        ],
      },
      { connectionId: 2, complete: true, resources: 1234, added: 12 },
    ]);

    const partial = await within(rows[0]).findByTestId('sync-result');
    expect(partial).toHaveTextContent(
      'Partly done: Observation (3 pages) could not be fetched: the server was too slow; Condition (1 page) could not be fetched: the provider kept asking Fasten to slow down. Fasten will try again.',
    );
    expect(partial).toHaveAttribute('data-kind', 'partial');
    expect(within(rows[0]).queryByTestId('sync-progress')).toBeNull();
    expect(within(rows[1]).getByTestId('sync-result')).toHaveTextContent('Up to date — 1,234 records, 12 new');

    await waitFor(() => expect(listMock).toHaveBeenCalledTimes(2));
    expect(api.people).toHaveBeenCalled();
    await waitFor(() => expect(household.version).toBeGreaterThan(version));
    expect(screen.getByTestId('sync-now')).toBeEnabled();
  });

  it("keeps the result when the last progress event arrives after 'sync:done' (Wails reorders events)", async () => {
    render(ConnectionList);
    const rows = await screen.findAllByTestId('connection-row');
    progress({});
    await within(rows[0]).findByTestId('sync-progress');
    done([{ connectionId: 1, complete: true, resources: 10, added: 1 }]);
    progress({ phase: providersync.Phase.Done });
    const result = await within(rows[0]).findByTestId('sync-result');
    expect(result).toHaveTextContent('Up to date');
    expect(within(rows[0]).queryByTestId('sync-progress')).toBeNull();
  });

  it("shows the message of Go's error for a connection whose sync failed; a stopped sync is not an error", async () => {
    render(ConnectionList);
    const rows = await screen.findAllByTestId('connection-row');
    done([
      {
        connectionId: 1,
        outcome: providersync.RunStatus.Interrupted,
        complete: false,
        error: null,
      },
      {
        connectionId: 2,
        outcome: providersync.RunStatus.Failed,
        complete: false,
        error: { kind: app.ErrorKind.Provider, message: 'The provider did not answer.' },
      },
    ]);
    const r = await within(rows[1]).findByTestId('sync-result');
    expect(r).toHaveTextContent('The provider did not answer.');
    expect(r).toHaveAttribute('data-kind', 'error');
    const stopped = within(rows[0]).getByTestId('sync-result');
    expect(stopped).toHaveTextContent('The update stopped before finishing. Fasten will pick up where it left off.');
    expect(stopped).toHaveAttribute('data-kind', 'partial');
  });

  it('Sync now syncs every connection; Go queues it behind a running sync, so nothing is refused', async () => {
    render(ConnectionList);
    await screen.findAllByTestId('connection-row');
    await fireEvent.click(screen.getByTestId('sync-now'));
    expect(syncMock).toHaveBeenCalledWith(0);
    await waitFor(() => expect(screen.getByTestId('sync-now')).toHaveTextContent('Syncing…'));
    expect(screen.getByTestId('sync-now')).toBeDisabled();
    expect(screen.queryByTestId('sync-error')).toBeNull();
  });

  it('shows why Sync now could not start, and clears it on the next try', async () => {
    render(ConnectionList);
    await screen.findAllByTestId('connection-row');
    syncMock.mockRejectedValueOnce(new api.ApiError({ kind: app.ErrorKind.Internal, message: 'Something went wrong. Fasten’s log has the details.' }));
    await fireEvent.click(screen.getByTestId('sync-now'));
    expect(await screen.findByTestId('sync-error')).toHaveTextContent('Something went wrong. Fasten’s log has the details.');
    expect(screen.getByTestId('sync-now')).toBeEnabled();

    await fireEvent.click(screen.getByTestId('sync-now'));
    await waitFor(() => expect(screen.queryByTestId('sync-error')).toBeNull());
    await waitFor(() => expect(screen.getByTestId('sync-now')).toHaveTextContent('Syncing…'));
  });

  it('shows no error when Sync now finds the vault locked (the unlock screen takes over)', async () => {
    render(ConnectionList);
    await screen.findAllByTestId('connection-row');
    syncMock.mockRejectedValueOnce(new api.ApiError({ kind: app.ErrorKind.Locked, message: 'The vault is locked: unlock it to continue.' }));
    await fireEvent.click(screen.getByTestId('sync-now'));
    await waitFor(() => expect(screen.getByTestId('sync-now')).toBeEnabled());
    expect(syncMock).toHaveBeenCalledOnce();
    expect(screen.queryByTestId('sync-error')).toBeNull();
    expect(syncer.startError).toBe('');
  });

  it('says so while another Fasten holds the vault, then shows the sync on its row', async () => {
    render(ConnectionList);
    const rows = await screen.findAllByTestId('connection-row');
    // Go's Waiting event comes before any connection's sync, with connectionId 0.
    progress({
      connectionId: 0,
      phase: providersync.Phase.Waiting,
      tasksDone: 0,
      tasksTotal: 0,
      resources: 0,
      message: 'Another Fasten is syncing this vault; this sync starts when it ends.',
    });
    expect(await screen.findByTestId('sync-waiting')).toHaveTextContent('Waiting for another Fasten to finish syncing this vault');
    expect(screen.queryAllByTestId('sync-progress')).toHaveLength(0);
    expect(screen.getByTestId('sync-now')).toBeDisabled();
    expect(screen.getByTestId('sync-now')).toHaveTextContent('Syncing…');

    progress({ phase: providersync.Phase.Planning });
    await within(rows[0]).findByTestId('sync-progress');
    expect(screen.queryByTestId('sync-waiting')).toBeNull();

    done([{ connectionId: 1, resources: 3, added: 3 }]);
    await waitFor(() => expect(screen.getByTestId('sync-now')).toHaveTextContent('Sync now'));
    expect(screen.queryByTestId('sync-waiting')).toBeNull();
  });

  it('says why a whole sync could not run, in either event order, and nothing for a lock', async () => {
    render(ConnectionList);
    await screen.findAllByTestId('connection-row');
    progress({ connectionId: 0, phase: providersync.Phase.Waiting, tasksDone: 0, tasksTotal: 0, resources: 0, message: '', pausedUntil: '' });
    await screen.findByTestId('sync-waiting');
    // Wails may deliver 'sync:done' (empty: no connection ran) before 'sync:failed'.
    done([]);
    handlers.failed!({ kind: app.ErrorKind.Busy, message: 'Another Fasten is syncing this vault. Try again when it has finished.' });
    expect(await screen.findByTestId('sync-error')).toHaveTextContent('Another Fasten is syncing this vault');
    expect(screen.queryByTestId('sync-waiting')).toBeNull();
    expect(screen.getByTestId('sync-now')).toHaveTextContent('Sync now');

    // The other order ends the same way.
    syncer.startError = '';
    handlers.failed!({ kind: app.ErrorKind.Internal, message: 'The vault could not be read.' });
    done([]);
    expect(await screen.findByTestId('sync-error')).toHaveTextContent('The vault could not be read.');

    // A pass stopped because the vault locked says nothing here.
    syncer.startError = '';
    handlers.failed!({ kind: app.ErrorKind.Locked, message: 'The vault is locked: unlock it to continue.' });
    await waitFor(() => expect(screen.queryByTestId('sync-error')).toBeNull());
  });

  it("a row's Sync syncs just that connection", async () => {
    render(ConnectionList);
    const rows = await screen.findAllByTestId('connection-row');
    await fireEvent.click(within(rows[1]).getByTestId('connection-sync'));
    expect(syncMock).toHaveBeenCalledWith(2);
  });

  it('does not offer Sync to a connection that needs signing in again', async () => {
    listMock.mockResolvedValue([connection({ id: 3, status: connect.Status.NeedsReconnect, action: connect.Action.Reconnect })]);
    render(ConnectionList);
    const [row] = await screen.findAllByTestId('connection-row');
    expect(within(row).queryByTestId('connection-sync')).toBeNull();
  });

  it('lists recent runs under History, with counts and failures only', async () => {
    const runs: SyncRun[] = [
      {
        id: 9,
        connectionId: 1,
        startedAt: '2025-03-02T10:00:00Z',
        finishedAt: '2025-03-02T10:03:00Z',
        status: providersync.RunStatus.Partial,
        full: false,
        counts: { resources: 1234, added: 12, updated: 3, attachments: 2 },
        errors: [{ task: 'Observation', count: 3, reason: 'the server was too slow' }],
      },
      {
        id: 8,
        connectionId: 1,
        startedAt: '2025-03-01T10:00:00Z',
        finishedAt: '2025-03-01T10:00:45Z',
        status: providersync.RunStatus.Complete,
        full: true,
        counts: { resources: 50, added: 50 },
        errors: [],
      },
    ];
    historyMock.mockResolvedValue(runs);
    render(ConnectionList);
    const rows = await screen.findAllByTestId('connection-row');
    const toggle = within(rows[0]).getByTestId('sync-history-toggle');
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
    await fireEvent.click(toggle);
    expect(toggle).toHaveAttribute('aria-expanded', 'true');
    expect(historyMock).toHaveBeenCalledWith(1);

    const items = await within(rows[0]).findAllByTestId('sync-history-row');
    expect(items).toHaveLength(2);
    expect(items[0]).toHaveAttribute('data-status', 'partial');
    expect(items[0]).toHaveTextContent('Partly done');
    expect(items[0]).toHaveTextContent('took 3 min');
    expect(items[0]).toHaveTextContent('1,234 records received, 12 new, 3 updated, 2 documents');
    expect(items[0]).toHaveTextContent('Observation (3 pages): the server was too slow');
    expect(items[0]).toHaveTextContent('2025');
    expect(items[1]).toHaveTextContent('Complete');
    expect(items[1]).toHaveTextContent('took 45 s');
    expect(items[1]).toHaveTextContent('full download');

    // A finished sync reloads an open history.
    done([{ connectionId: 1, resources: 1, added: 1 }]);
    await waitFor(() => expect(historyMock).toHaveBeenCalledTimes(2));

    await fireEvent.click(toggle);
    expect(within(rows[0]).queryByTestId('sync-history')).toBeNull();
  });

  it('forgets everything on lock and ignores events while locked', async () => {
    render(ConnectionList);
    await screen.findAllByTestId('connection-row');
    done([{ connectionId: 1, resources: 5, added: 5 }]);
    expect(syncer.results[1]).toBeDefined();
    session.phase = 'unlock';
    household.reset();
    expect(syncer.results).toEqual({});
    progress({});
    done([{ connectionId: 1 }]);
    expect(syncer.progress).toEqual({});
    expect(syncer.results).toEqual({});
  });
});
