import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// Handlers the connector registers for Go's events, so tests can fire them.
const events = vi.hoisted(() => ({
  done: null as null | ((c: unknown) => void),
  error: null as null | ((e: { kind: string; message: string }) => void),
  waiting: null as null | ((m: string) => void),
}));

vi.mock('../../lib/api', async (importOriginal) => {
  const { withRealErrors } = await import('../../test/api-mock');
  return withRealErrors(importOriginal, {
    searchProviders: vi.fn(),
    registrations: vi.fn(async () => []),
    signInRegistered: vi.fn(async () => true),
    startConnection: vi.fn(),
    connections: vi.fn(async () => []),
    disconnect: vi.fn(),
    people: vi.fn(async () => []),
    status: vi.fn(async () => ({ path: '', exists: true, unlocked: false, autoLockMinutes: 15 })),
    onConnectDone: (fn: (c: unknown) => void) => ((events.done = fn), () => (events.done = null)),
    onConnectError: (fn: (e: UIError) => void) => ((events.error = fn as (e: { kind: string; message: string }) => void), () => (events.error = null)),
    onConnectWaiting: (fn: (m: string) => void) => ((events.waiting = fn), () => (events.waiting = null)),
  });
});

import * as api from '../../lib/api';
import { connection } from '../../test/fixtures';
import { household, session } from '../../lib/session.svelte';
import { app, LockReason, providersync, type records, type UIError } from '../../lib/wire';
import ConnectForm from './ConnectForm.svelte';
import { connector } from './connector.svelte';
import { syncer } from './syncer.svelte';

const searchMock = vi.mocked(api.searchProviders);
const startMock = vi.mocked(api.startConnection);
const peopleMock = vi.mocked(api.people);
const registrationsMock = vi.mocked(api.registrations);
const signInRegisteredMock = vi.mocked(api.signInRegistered);

const family: records.Person[] = [
  { id: 1, name: 'Ana Ruiz', birthDate: '1980-02-03', records: 10 },
  { id: 7, name: 'Leo Ruiz', birthDate: '2015-06-01', records: 0 },
];
const mercy: app.ProviderResult = {
  id: 'epic-1',
  name: 'Mercy Hospital',
  vendor: 'epic',
  vendorName: 'Epic (MyChart)',
  fhirBase: 'https://fhir.mercy.net/api/FHIR/R4',
  registered: true,
};
const conn = connection({ id: 3, personId: 7, personName: 'Leo Ruiz', fhirBase: mercy.fhirBase, patientId: 'p1', statusText: 'Connected', records: 42 });

let stop: () => void = () => {};

async function chooseMercyFor(personId: number) {
  render(ConnectForm, { searchDelay: 0 });
  await fireEvent.change(screen.getByTestId('connect-person'), { target: { value: String(personId) } });
  await fireEvent.input(screen.getByTestId('provider-search'), { target: { value: 'mercy' } });
  await fireEvent.click(await screen.findByTestId('provider-result'));
}

describe('Connect a provider', () => {
  beforeEach(() => {
    vi.clearAllMocks();
    household.reset();
    household.people = family;
    household.loaded = true;
    household.selectedId = 1;
    searchMock.mockResolvedValue([mercy]);
    peopleMock.mockResolvedValue(family);
    stop = connector.listen();
  });
  afterEach(() => stop());

  it('defaults to the selected person', () => {
    render(ConnectForm, { searchDelay: 0 });
    expect(screen.getByTestId('connect-person')).toHaveValue('1');
  });

  it('starts the connection and shows the waiting panel', async () => {
    startMock.mockResolvedValue({ authUrl: 'https://x/auth', redirectUri: 'r', providerName: 'Mercy Hospital', loopback: false });
    await chooseMercyFor(7);
    expect(screen.getByTestId('connect-selected')).toHaveTextContent('Epic (MyChart)');
    await fireEvent.click(screen.getByTestId('connect-start'));

    const waiting = await screen.findByTestId('connect-waiting');
    expect(startMock).toHaveBeenCalledWith(7, 'epic-1', mercy.fhirBase, 'Mercy Hospital');
    expect(waiting).toHaveTextContent(
      "Finish signing in to Mercy Hospital in your browser. Fasten will continue by itself when you're done.",
    );

    // Closed the browser: a fresh StartConnection, never a navigation of this window.
    await fireEvent.click(screen.getByTestId('connect-reopen'));
    await waitFor(() => expect(startMock).toHaveBeenCalledTimes(2));
    expect(startMock).toHaveBeenLastCalledWith(7, 'epic-1', mercy.fhirBase, 'Mercy Hospital');
    expect(await screen.findByTestId('connect-waiting')).toBeInTheDocument();

    await fireEvent.click(screen.getByTestId('connect-cancel'));
    expect(screen.getByTestId('connect-start')).toBeInTheDocument();
  });

  it('shows success on connect:done and refreshes people and records', async () => {
    syncer.results = {};
    syncer.running = true; // the sync Go starts for a new connection
    startMock.mockResolvedValue({ authUrl: 'a', redirectUri: 'r', providerName: 'Mercy Hospital', loopback: false });
    await chooseMercyFor(7);
    await fireEvent.click(screen.getByTestId('connect-start'));
    await screen.findByTestId('connect-waiting');
    const before = household.version;

    events.done!(conn);
    const done = await screen.findByTestId('connect-done');
    expect(done).toHaveTextContent('Leo Ruiz');
    expect(done).toHaveTextContent('Mercy Hospital');
    // Its first sync runs on after the sign-in: no count of what arrived so far.
    expect(done).toHaveTextContent('Fasten is downloading their records now');
    expect(done).not.toHaveTextContent('Fasten downloaded');
    await waitFor(() => expect(peopleMock).toHaveBeenCalled());
    // Once it has finished, what it holds.
    const phase = session.phase;
    session.phase = 'main';
    syncer.handleDone([{ connectionId: 3, outcome: providersync.RunStatus.Complete, complete: true, resources: 42, added: 42, updated: 0, failed: [], error: null }]);
    session.phase = phase;
    await waitFor(() => expect(done).toHaveTextContent('Fasten downloaded 42 records.'));
    await waitFor(() => expect(household.version).toBeGreaterThan(before));
    expect(api.connections).toHaveBeenCalled();

    await fireEvent.click(screen.getByTestId('connect-see-records'));
    expect(household.selectedId).toBe(7);
    expect(household.view).toEqual({ kind: 'dashboard' });
  });

  it('shows the message of connect:error and tries again', async () => {
    startMock.mockResolvedValue({ authUrl: 'a', redirectUri: 'r', providerName: 'Mercy Hospital', loopback: false });
    await chooseMercyFor(1);
    await fireEvent.click(screen.getByTestId('connect-start'));
    await screen.findByTestId('connect-waiting');

    events.error!({ kind: app.ErrorKind.Provider, message: 'Mercy Hospital said no: access was denied.' });
    const panel = await screen.findByTestId('connect-error');
    expect(panel).toHaveTextContent('access was denied');

    await fireEvent.click(screen.getByTestId('connect-retry'));
    await waitFor(() => expect(startMock).toHaveBeenCalledTimes(2));
    expect(await screen.findByTestId('connect-waiting')).toBeInTheDocument();
  });

  it('says before any sign-in that an unregistered vendor cannot be signed in to, and offers the import', async () => {
    searchMock.mockResolvedValue([{ ...mercy, registered: false }]);
    await chooseMercyFor(1);
    const notice = await screen.findByTestId('connect-unregistered');
    expect(notice).toHaveTextContent("Epic (MyChart) has not registered Fasten yet, so you can't sign in from here.");
    expect(notice).toHaveTextContent('download your record');
    // Nothing to press that would fail at sign-in.
    expect(screen.queryByTestId('connect-start')).toBeNull();
    expect(startMock).not.toHaveBeenCalled();
    await fireEvent.click(screen.getByTestId('connect-unregistered-import'));
    expect(household.view).toEqual({ kind: 'import' });
  });

  it('says the same when Go refuses the start with kind NotRegistered, and offers Settings too', async () => {
    startMock.mockRejectedValue(new api.ApiError({ kind: app.ErrorKind.NotRegistered, message: 'words that do not matter' }));
    await chooseMercyFor(1);
    await fireEvent.click(screen.getByTestId('connect-start'));
    expect(await screen.findByTestId('connect-unregistered')).toHaveTextContent('Epic (MyChart) has not registered Fasten yet');
    expect(screen.queryByTestId('connect-start-error')).toBeNull();
    expect(screen.queryByTestId('connect-waiting')).toBeNull();
    await fireEvent.click(screen.getByTestId('connect-open-settings'));
    expect(household.view).toEqual({ kind: 'settings', section: 'registrations' });
  });

  it('decides by kind, not by the wording of the error', async () => {
    // The message talks about client ids, but the kind says the input was wrong: no notice.
    startMock.mockRejectedValue(
      new api.ApiError({ kind: app.ErrorKind.InvalidInput, message: 'no client id for Epic yet: add one in Settings → Provider registrations' }),
    );
    await chooseMercyFor(1);
    await fireEvent.click(screen.getByTestId('connect-start'));
    expect(await screen.findByTestId('connect-start-error')).toHaveTextContent('no client id for Epic');
    expect(connector.needsRegistration).toBe(false);
    expect(screen.queryByTestId('connect-unregistered')).toBeNull();
  });

  it('says it for a provider outside the list before starting, when Go has no registration for those', async () => {
    signInRegisteredMock.mockResolvedValueOnce(false);
    render(ConnectForm, { searchDelay: 0 });
    await fireEvent.click(screen.getByTestId('other-provider'));
    await fireEvent.input(screen.getByTestId('other-fhir-base'), { target: { value: 'https://fhir.example.org/r4' } });
    await fireEvent.input(screen.getByTestId('other-name'), { target: { value: 'My clinic' } });
    await fireEvent.click(screen.getByTestId('connect-start'));
    expect(await screen.findByTestId('connect-unregistered')).toHaveTextContent('My clinic has not registered Fasten yet');
    expect(startMock).not.toHaveBeenCalled();
  });

  it('shows nothing for a start that found the vault locked (the lock screen takes over)', async () => {
    startMock.mockRejectedValue({ kind: 'locked', message: 'Your vault is locked.' });
    await chooseMercyFor(1);
    await fireEvent.click(screen.getByTestId('connect-start'));
    await waitFor(() => expect(connector.phase).toBe('idle'));
    expect(connector.startError).toBe('');
    expect(screen.queryByTestId('connect-start-error')).toBeNull();
    expect(registrationsMock).not.toHaveBeenCalled();
  });

  it('shows a plain-text rejection that mentions "locked" as an error, not as a lock', async () => {
    startMock.mockRejectedValue('the provider locked this account');
    await chooseMercyFor(1);
    await fireEvent.click(screen.getByTestId('connect-start'));
    expect(await screen.findByTestId('connect-start-error')).toHaveTextContent('the provider locked this account');
  });

  it('connects to another provider by its FHIR address', async () => {
    startMock.mockResolvedValue({ authUrl: 'a', redirectUri: 'r', providerName: 'fhir.example.org', loopback: true });
    render(ConnectForm, { searchDelay: 0 });
    await fireEvent.click(screen.getByTestId('other-provider'));
    expect(screen.getByTestId('other-provider')).toHaveAttribute('aria-expanded', 'true');

    await fireEvent.input(screen.getByTestId('other-fhir-base'), { target: { value: 'fhir.example.org' } });
    await fireEvent.click(screen.getByTestId('connect-start'));
    expect(await screen.findByTestId('connect-start-error')).toHaveTextContent('https://');
    expect(startMock).not.toHaveBeenCalled();

    await fireEvent.input(screen.getByTestId('other-fhir-base'), { target: { value: 'https://fhir.example.org/r4' } });
    await fireEvent.input(screen.getByTestId('other-name'), { target: { value: 'My clinic' } });
    await fireEvent.click(screen.getByTestId('connect-start'));
    await screen.findByTestId('connect-waiting');
    expect(startMock).toHaveBeenCalledWith(1, '', 'https://fhir.example.org/r4', 'My clinic');
  });

  it('asks for a provider before calling Go', async () => {
    render(ConnectForm, { searchDelay: 0 });
    await fireEvent.click(screen.getByTestId('connect-start'));
    expect(await screen.findByTestId('connect-start-error')).toHaveTextContent('Choose a provider');
    expect(startMock).not.toHaveBeenCalled();
  });

  it('keeps nothing after lock except the unlock-to-finish notice', async () => {
    startMock.mockResolvedValue({ authUrl: 'a', redirectUri: 'r', providerName: 'Mercy Hospital', loopback: false });
    await chooseMercyFor(7);
    await fireEvent.click(screen.getByTestId('connect-start'));
    await screen.findByTestId('connect-waiting');
    connector.list = [conn];

    session.phase = 'main';
    session.locked(LockReason.Manual);
    expect(connector.phase).toBe('idle');
    expect(connector.target).toBeNull();
    expect(connector.list).toEqual([]);
    expect(household.people).toEqual([]);

    events.waiting!('A sign-in came back. Unlock your vault to finish connecting.');
    expect(connector.waitingNotice).toMatch(/Unlock your vault/);
    session.unlocked();
    expect(connector.waitingNotice).toBe('');
    expect(connector.finishing).toBe(true);
    events.done!(conn);
    expect(connector.finishing).toBe(false);
    expect(connector.phase).toBe('done');
  });
});
