import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('../../lib/api', async (importOriginal) => {
  const { withRealErrors } = await import('../../test/api-mock');
  return withRealErrors(importOriginal, {
    openSampleFamily: vi.fn(),
    leaveSampleFamily: vi.fn(async () => {}),
    status: vi.fn(),
    hasRuntime: () => false,
  });
});

import * as api from '../../lib/api';
import { household, session } from '../../lib/session.svelte';
import { app } from '../../lib/wire';
import Welcome from './Welcome.svelte';
import SampleBanner from '../sample/SampleBanner.svelte';

const FOLDER = '/home/ana/.config/Fasten';
const firstRun = { path: FOLDER + '/household.fasten', folder: FOLDER, exists: false, unlocked: false, sample: false, autoLockMinutes: 15 };
const inSample = { ...firstRun, unlocked: true, sample: true, autoLockMinutes: 0 };

describe('Welcome (first run)', () => {
  beforeEach(() => {
    vi.clearAllMocks();
    session.status = firstRun;
    session.phase = 'welcome';
  });

  it('says what Fasten is and names the folder Go reports', () => {
    render(Welcome, { folder: FOLDER, oncreate: vi.fn() });
    expect(screen.getByTestId('welcome-what')).toHaveTextContent('from every hospital, clinic, lab and insurer');
    expect(screen.getByTestId('welcome-what')).toHaveTextContent('Nothing goes to any server of ours');
    expect(screen.getByTestId('welcome-folder')).toHaveTextContent(FOLDER);
  });

  it('goes on to create the vault, the focused first step', async () => {
    const oncreate = vi.fn();
    render(Welcome, { folder: FOLDER, oncreate });
    expect(screen.getByTestId('welcome-start')).toHaveFocus();
    await fireEvent.click(screen.getByTestId('welcome-start'));
    expect(oncreate).toHaveBeenCalledTimes(1);
    expect(api.openSampleFamily).not.toHaveBeenCalled();
  });

  it('opens the sample family without a passphrase, and the shell knows it is the sample', async () => {
    vi.mocked(api.openSampleFamily).mockResolvedValue(inSample);
    vi.mocked(api.status).mockResolvedValue(inSample);
    render(Welcome, { folder: FOLDER, oncreate: vi.fn() });
    await fireEvent.click(screen.getByTestId('welcome-sample'));
    await waitFor(() => expect(session.phase).toBe('main'));
    expect(session.sample).toBe(true);
  });

  it("shows Go's words when the sample cannot open, and stays", async () => {
    vi.mocked(api.openSampleFamily).mockRejectedValue(new api.ApiError({ kind: app.ErrorKind.Internal, message: 'The disk is full.' }));
    render(Welcome, { folder: FOLDER, oncreate: vi.fn() });
    await fireEvent.click(screen.getByTestId('welcome-sample'));
    expect(await screen.findByTestId('welcome-error')).toHaveTextContent('The disk is full.');
    expect(session.phase).toBe('welcome');
  });
});

describe('Sample family banner', () => {
  beforeEach(() => {
    vi.clearAllMocks();
    session.status = inSample;
    session.phase = 'main';
    household.people = [{ id: 1, name: 'Neva Hyatt', birthDate: '1970-01-01', records: 9 }];
  });

  it('leaves to the welcome on a first run, dropping the sample people', async () => {
    vi.mocked(api.status).mockResolvedValue(firstRun);
    render(SampleBanner);
    expect(screen.getByTestId('sample-banner')).toHaveTextContent('Sample family — not your records.');
    await fireEvent.click(screen.getByTestId('sample-leave'));
    await waitFor(() => expect(session.phase).toBe('welcome'));
    expect(api.leaveSampleFamily).toHaveBeenCalledTimes(1);
    expect(session.sample).toBe(false);
    expect(household.people).toEqual([]);
  });

  it('leaves to the unlock screen when the real vault exists, with no lock notice', async () => {
    vi.mocked(api.status).mockResolvedValue({ ...firstRun, exists: true });
    render(SampleBanner);
    await fireEvent.click(screen.getByTestId('sample-leave'));
    await waitFor(() => expect(session.phase).toBe('unlock'));
    expect(session.lockReason).toBe('');
  });
});

describe('Welcome: restore from a backup', () => {
  beforeEach(() => {
    session.status = firstRun;
    session.phase = 'welcome';
  });

  it('opens the restore flow on the first-run screen, and Back returns', async () => {
    render(Welcome, { folder: FOLDER, oncreate: vi.fn() });
    await fireEvent.click(screen.getByTestId('welcome-restore'));
    expect(await screen.findByTestId('restore-form')).toBeInTheDocument();
    expect(screen.getByTestId('restore-path')).toHaveTextContent(FOLDER + '/household.fasten');
    await fireEvent.click(screen.getByTestId('restore-cancel'));
    expect(await screen.findByTestId('welcome-start')).toBeInTheDocument();
  });
});
