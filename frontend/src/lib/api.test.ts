// lib/api against the real generated bindings (wailsjs/go/app/App.js), which
// call window.go.app.App.<Method> — here a stand-in that answers the way the
// Wails bridge does: resolve with Go's value, or reject with whatever Go's
// ErrorFormatter (or Wails itself) produced.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as api from './api';
import { app, LockReason } from './wire';

const ErrorKind = app.ErrorKind;

type Bound = Record<string, (...args: unknown[]) => Promise<unknown>>;

/** What a Go error looks like to the page: the Wails runtime rejects with
 * `new Error(message.error)`, and Go's ErrorFormatter sends a JSON string. */
function goError(kind: string, message: string): Error {
  return new Error(JSON.stringify({ kind, message }));
}

function bind(methods: Bound): void {
  (window as unknown as { go?: unknown }).go = { app: { App: methods } };
}

describe('readError', () => {
  it('reads Go\'s error as the Wails runtime delivers it (an Error whose message is the UIError as JSON)', () => {
    expect(api.readError(goError('locked', 'The vault is locked: unlock it to continue.'))).toEqual({
      kind: ErrorKind.Locked,
      message: 'The vault is locked: unlock it to continue.',
    });
    expect(api.readError(goError('exploded', 'Boom.'))).toEqual({ kind: ErrorKind.Internal, message: 'Boom.' });
    // A sentence that merely starts with a brace is shown as it is.
    expect(api.readError(new Error('{not json'))).toEqual({ kind: ErrorKind.Internal, message: '{not json' });
  });

  it('reads the {kind, message} Go sends', () => {
    expect(api.readError({ kind: 'wrong_passphrase', message: 'That passphrase is not right.' })).toEqual({
      kind: ErrorKind.WrongPassphrase,
      message: 'That passphrase is not right.',
    });
  });

  it('keeps the kind of an ApiError a wrapped call threw', () => {
    const e = new api.ApiError({ kind: ErrorKind.Busy, message: 'An import is already running. Wait for it to finish.' });
    expect(e).toBeInstanceOf(Error);
    expect(api.readError(e)).toEqual({ kind: ErrorKind.Busy, message: 'An import is already running. Wait for it to finish.' });
  });

  it('knows every kind Go binds (the generated app.ErrorKind), e.g. a provider’s own refusal', () => {
    expect(api.readError({ kind: 'provider', message: 'The provider refused the sign-in.' })).toEqual({
      kind: ErrorKind.Provider,
      message: 'The provider refused the sign-in.',
    });
    for (const kind of Object.values(ErrorKind)) expect(api.readError({ kind, message: 'x' }).kind).toBe(kind);
  });

  it('treats a plain string or Error (Wails’ own failures) as internal, whatever it says', () => {
    expect(api.readError('the vault is locked')).toEqual({ kind: ErrorKind.Internal, message: 'the vault is locked' });
    expect(api.readError(new Error('Call to App.People timed out'))).toEqual({
      kind: ErrorKind.Internal,
      message: 'Call to App.People timed out',
    });
  });

  it('treats a kind this build does not know as internal and never returns an empty message', () => {
    expect(api.readError({ kind: 'exploded', message: 'Boom.' })).toEqual({ kind: ErrorKind.Internal, message: 'Boom.' });
    expect(api.readError({ kind: 'locked' }).message).toBe('Something went wrong.');
    expect(api.readError('').message).toBe('Something went wrong.');
    expect(api.readError(undefined)).toEqual({ kind: ErrorKind.Internal, message: 'Something went wrong.' });
  });

  it('isLockedError decides by kind only', () => {
    expect(api.isLockedError({ kind: 'locked', message: 'Unlock your vault first.' })).toBe(true);
    expect(api.isLockedError('The vault is locked.')).toBe(false);
    expect(api.isLockedError(new Error('locked'))).toBe(false);
    expect(api.isLockedError({ kind: 'not_found', message: 'locked out' })).toBe(false);
  });
});

describe('calls', () => {
  const onLocked = vi.fn();

  beforeEach(() => {
    onLocked.mockReset();
    api.onLockedError(onLocked);
  });

  afterEach(() => {
    api.onLockedError(null);
    delete (window as unknown as { go?: unknown }).go;
  });

  it('resolves with what Go returned, and a nil list as []', async () => {
    const person = { id: 1, name: 'Ana Ruiz', birthDate: '1980-02-03', records: 3 };
    bind({ AddPerson: vi.fn(async () => person), People: vi.fn(async () => null) });
    await expect(api.addPerson('Ana Ruiz')).resolves.toEqual(person);
    await expect(api.people()).resolves.toEqual([]);
  });

  it('sends the timeline query with its cursor to Go as Go decodes it, and the person id to Dashboard', async () => {
    const Timeline = vi.fn(async () => ({ items: [], next: null }));
    const Dashboard = vi.fn(async () => ({ person: { id: 4 } }));
    bind({ Timeline, Dashboard });
    const q = { types: ['Immunization'], source: 2, since: '2020', until: '2021-06', after: { date: '2021-03-01', id: 77 }, limit: 50 };
    await expect(api.timeline(4, q)).resolves.toEqual({ items: [], next: null });
    const [person, sent] = Timeline.mock.calls[0] as unknown as [number, unknown];
    expect(person).toBe(4);
    // What crosses the bridge is JSON: exactly Go's records.TimelineQuery fields.
    expect(JSON.parse(JSON.stringify(sent))).toEqual(q);
    await api.dashboard(4);
    expect(Dashboard).toHaveBeenCalledWith(4);
  });

  it('runs the lock handler for a locked-kind rejection and throws the kind and message', async () => {
    bind({ People: vi.fn(() => Promise.reject(goError('locked', 'Unlock your vault first.'))) });
    const err = await api.people().catch((e: unknown) => e);
    expect(onLocked).toHaveBeenCalledOnce();
    expect(onLocked).toHaveBeenCalledWith(LockReason.FoundLocked);
    expect(err).toBeInstanceOf(api.ApiError);
    expect(api.readError(err)).toEqual({ kind: ErrorKind.Locked, message: 'Unlock your vault first.' });
  });

  it('does not run the lock handler for a plain message, even one that says "locked"', async () => {
    bind({ People: vi.fn(() => Promise.reject('the vault is locked')) });
    const err = await api.people().catch((e: unknown) => e);
    expect(onLocked).not.toHaveBeenCalled();
    expect(api.readError(err)).toEqual({ kind: ErrorKind.Internal, message: 'the vault is locked' });
  });

  it('does not run the lock handler for other kinds', async () => {
    bind({ ImportFiles: vi.fn(() => Promise.reject(goError('busy', 'An import is already running. Wait for it to finish.'))) });
    const err = await api.importFiles(['/tmp/a.json'], 1).catch((e: unknown) => e);
    expect(onLocked).not.toHaveBeenCalled();
    expect(api.readError(err).kind).toBe(ErrorKind.Busy);
  });

  it('leaves calls made on the unlock screen out of the lock handling', async () => {
    // Unlock and Status run while locked; their failures are answers, not news of a lock.
    bind({
      Unlock: vi.fn(() => Promise.reject(goError('wrong_passphrase', 'That passphrase is not right.'))),
      Status: vi.fn(() => Promise.reject(goError('locked', 'Locked.'))),
    });
    const wrong = await api.unlock('nope').catch((e: unknown) => e);
    expect(api.readError(wrong)).toEqual({ kind: ErrorKind.WrongPassphrase, message: 'That passphrase is not right.' });
    await api.status().catch(() => {});
    expect(onLocked).not.toHaveBeenCalled();
  });

  it('says plainly when there is no Go engine behind the page', async () => {
    const err = await api.people().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(api.ApiError);
    expect(api.errorMessage(err)).toMatch(/not connected to its engine/);
    expect(onLocked).not.toHaveBeenCalled();
  });
});
