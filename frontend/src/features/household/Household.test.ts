import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('../../lib/api', async (importOriginal) => {
  const { withRealErrors } = await import('../../test/api-mock');
  return withRealErrors(importOriginal, {
    householdView: vi.fn(),
    backupSettings: vi.fn(async () => {
      throw new Error('locked');
    }),
  });
});

import * as api from '../../lib/api';
import { app, records, type Plain } from '../../lib/wire';
import Household from './Household.svelte';
import { kindName, kindsText, kindText } from './kinds';

function item(id: number, over: Partial<Plain<records.Item>> = {}): Plain<records.Item> {
  return { id, resourceType: 'Condition', date: '', dateEnd: '', category: '', codeSystem: '', code: '', display: '', valueText: '', unit: '', status: 'active', source: 'ana.json', ...over };
}

function member(id: number, name: string, over: Partial<Plain<records.Member>> = {}): Plain<records.Member> {
  return {
    person: { id, name, birthDate: '', records: 10 },
    age: null as unknown as number,
    patientRecords: 1,
    problems: [],
    problemCount: 0,
    allergies: [],
    latestVisit: '',
    lastViewed: '',
    newCount: 0,
    newKinds: [],
    newItems: [],
    connections: [],
    ...over,
  };
}

/** A household as Go builds it (records.Household). */
function hh(over: Partial<Plain<records.Household>> = {}): records.Household {
  return records.Household.createFrom({
    members: [
      member(1, 'Ana Ruiz', {
        person: { id: 1, name: 'Ana Ruiz', birthDate: '2019-03-01', records: 40 },
        age: 7,
        problems: [item(10, { display: 'Asthma (disorder)', date: '2021-05-04' }), item(11, { display: 'Eczema' })],
        problemCount: 7,
        allergies: [
          { id: 30, display: 'Peanut (substance)', date: '', status: 'active', category: 'food', criticality: 'high', severity: 'severe', reactions: ['Anaphylaxis'], source: '' },
          { id: 31, display: 'Dust mite', date: '', status: 'active', category: 'environment', criticality: 'low', severity: '', reactions: [], source: '' },
        ],
        latestVisit: '2024-02-03T09:00:00Z',
        lastViewed: '2024-05-01T10:00:00.000000Z',
        newCount: 4,
        newKinds: [
          { resourceType: 'Observation', category: 'laboratory', count: 3 },
          { resourceType: 'Immunization', category: '', count: 1 },
        ],
        newItems: [item(90, { resourceType: 'Immunization', display: 'Influenza, seasonal' }), item(91, { resourceType: 'Observation', category: 'laboratory', display: 'Hemoglobin measurement (procedure)' })],
        connections: [{ id: 5, provider: 'Mercy Hospital', status: 'needs_reconnect', statusText: 'Needs you to sign in again', needsAttention: true, lastSynced: '' }],
      }),
      member(2, 'Ben Ruiz', { lastViewed: '2024-05-01T10:00:00.000000Z' }),
      member(3, 'Cleo Ruiz'),
    ],
    attention: [
      { personId: 1, personName: 'Ana Ruiz', connection: { id: 5, provider: 'Mercy Hospital', status: 'needs_reconnect', statusText: 'Needs you to sign in again', needsAttention: true, lastSynced: '' } },
    ],
    ...over,
  });
}

const props = () => ({ onopen: vi.fn(), onconnect: vi.fn() });

beforeEach(() => vi.mocked(api.householdView).mockReset());

describe('Household', () => {
  it('shows a loading state, then a card per person in Go’s order', async () => {
    let resolve!: (h: records.Household) => void;
    vi.mocked(api.householdView).mockReturnValueOnce(new Promise((r) => (resolve = r)));
    render(Household, props());
    expect(screen.getByTestId('household-loading')).toBeInTheDocument();
    resolve(hh());
    const cards = await screen.findAllByTestId('household-card');
    expect(cards.map((c) => within(c).getByRole('heading', { level: 3 }).textContent)).toEqual(['Ana Ruiz', 'Ben Ruiz', 'Cleo Ruiz']);
    expect(screen.queryByTestId('household-loading')).toBeNull();
  });

  it('puts allergies with their severity, problems, age and what is new on each card, in plain words', async () => {
    vi.mocked(api.householdView).mockResolvedValue(hh());
    render(Household, props());
    const [ana, ben, cleo] = await screen.findAllByTestId('household-card');
    const a = within(ana);
    expect(a.getByTestId('household-age')).toHaveTextContent('7 years old');
    const allergies = a.getAllByTestId('household-allergy');
    expect(allergies[0]).toHaveTextContent('Peanut · Severe ! High risk');
    expect(allergies[0]).toHaveClass('chip-danger');
    expect(allergies[1]).toHaveTextContent('Dust mite');
    expect(allergies[1]).not.toHaveClass('chip-danger');
    const problems = a.getByTestId('household-problems');
    expect(problems).toHaveTextContent('Asthma');
    expect(problems).not.toHaveTextContent('(disorder)');
    expect(problems).toHaveTextContent('and 5 more');
    expect(a.getByTestId('household-new')).toHaveTextContent('4 new since you last looked');
    expect(a.getByTestId('household-new')).toHaveTextContent('3 lab results, 1 vaccine');
    expect(ana).toHaveTextContent('Hemoglobin');
    expect(ana).not.toHaveTextContent('(procedure)');
    expect(ana).not.toHaveTextContent('Observation');
    expect(ana).not.toHaveTextContent('Immunization');
    expect(within(a.getByRole('list', { name: 'Newest records for Ana Ruiz' })).getAllByRole('listitem').map((li) => li.textContent)).toEqual([
      'Vaccine Influenza, seasonal',
      'Lab result Hemoglobin measurement',
    ]);
    expect(a.getByTestId('household-card-attention')).toBeInTheDocument();

    expect(within(ben).getByTestId('household-new')).toHaveTextContent('Nothing new since you last looked');
    expect(within(cleo).getByTestId('household-new')).toHaveTextContent('Not opened yet');
    expect(within(cleo).getByTestId('household-age')).toHaveTextContent('No birth date recorded');
    expect(within(cleo).getByTestId('household-allergies')).toHaveTextContent('None recorded');
    expect(within(cleo).queryByTestId('household-card-attention')).toBeNull();
  });

  it('opens a person’s dashboard from their card, by keyboard-reachable buttons', async () => {
    vi.mocked(api.householdView).mockResolvedValue(hh());
    const p = props();
    render(Household, p);
    const buttons = await screen.findAllByTestId('household-open');
    expect(buttons.map((b) => b.tagName)).toEqual(['BUTTON', 'BUTTON', 'BUTTON']);
    expect(buttons[1]).toHaveAccessibleName('Open Ben Ruiz’s dashboard');
    await fireEvent.click(buttons[1]);
    expect(p.onopen).toHaveBeenCalledWith(2);
  });

  it('lists connections needing attention and links to Connections; none, no strip', async () => {
    vi.mocked(api.householdView).mockResolvedValueOnce(hh());
    const p = props();
    const r = render(Household, p);
    const strip = await screen.findByTestId('household-attention');
    expect(strip).toHaveTextContent('A portal connection needs attention');
    expect(within(strip).getByTestId('household-attention-item')).toHaveTextContent('Mercy Hospital for Ana Ruiz: Needs you to sign in again');
    await fireEvent.click(within(strip).getByTestId('household-attention-open'));
    expect(p.onconnect).toHaveBeenCalled();

    // Go sends a nil slice as null.
    vi.mocked(api.householdView).mockResolvedValueOnce(hh({ attention: null as unknown as [] }));
    await r.rerender({ version: 1 });
    await vi.waitFor(() => expect(api.householdView).toHaveBeenCalledTimes(2));
    await vi.waitFor(() => expect(screen.queryByTestId('household-attention')).toBeNull());
  });

  it('shows Go’s message when the household cannot load', async () => {
    vi.mocked(api.householdView).mockRejectedValueOnce(new api.ApiError({ kind: app.ErrorKind.Internal, message: 'The vault could not be read.' }));
    render(Household, props());
    expect(await screen.findByRole('alert')).toHaveTextContent('The vault could not be read.');
  });
});

describe('kinds in words', () => {
  it('names results by category and other kinds without FHIR names', () => {
    expect(kindText({ resourceType: 'Observation', category: 'laboratory', count: 1 })).toBe('1 lab result');
    expect(kindText({ resourceType: 'Observation', category: 'vital-signs', count: 2 })).toBe('2 vital signs');
    expect(kindText({ resourceType: 'Observation', category: 'survey', count: 2 })).toBe('2 results');
    expect(kindText({ resourceType: 'AllergyIntolerance', category: '', count: 2 })).toBe('2 allergies');
    expect(kindText({ resourceType: 'SomethingNew', category: '', count: 1 })).toBe('1 other record');
    expect(kindName('Observation', 'vital-signs')).toBe('Vital sign');
    expect(kindName('Immunization', '')).toBe('Vaccine');
    expect(kindName('SomethingNew', '')).toBe('Record');
  });
  it('adds up kinds that read the same and names at most three', () => {
    expect(kindsText([
      { resourceType: 'MedicationRequest', category: '', count: 2 },
      { resourceType: 'MedicationStatement', category: '', count: 1 },
    ])).toBe('3 medications');
    expect(kindsText([
      { resourceType: 'Observation', category: 'laboratory', count: 5 },
      { resourceType: 'Condition', category: '', count: 3 },
      { resourceType: 'Encounter', category: '', count: 2 },
      { resourceType: 'Procedure', category: '', count: 1 },
      { resourceType: 'Goal', category: '', count: 1 },
    ])).toBe('5 lab results, 3 conditions, 2 visits, 2 more');
  });
});

describe('Household: the last backup', () => {
  const st = (over: Record<string, unknown>) =>
    ({ folder: '/media/usb', keep: 7, lastOk: '0001-01-01T00:00:00Z', lastPath: '', lastError: '', lastErrorAt: '0001-01-01T00:00:00Z', stale: false, running: false, ...over }) as never;

  it('shows when the last backup was, and warns when it is over a week old', async () => {
    vi.mocked(api.householdView).mockResolvedValueOnce(hh());
    vi.mocked(api.backupSettings).mockResolvedValueOnce(st({ lastOk: new Date(Date.now() - 10 * 86400e3).toISOString(), stale: true }));
    render(Household, { onopen: vi.fn(), onconnect: vi.fn() });
    const line = await screen.findByTestId('household-backup');
    expect(line).toHaveTextContent('more than a week ago');
    expect(line).toHaveClass('stale');
  });

  it('a recent backup is shown plainly; no folder, no line', async () => {
    vi.mocked(api.householdView).mockResolvedValueOnce(hh());
    vi.mocked(api.backupSettings).mockResolvedValueOnce(st({ lastOk: new Date().toISOString() }));
    const { unmount } = render(Household, { onopen: vi.fn(), onconnect: vi.fn() });
    const line = await screen.findByTestId('household-backup');
    expect(line).not.toHaveTextContent('week');
    expect(line).not.toHaveTextContent('never');
    unmount();
    vi.mocked(api.householdView).mockResolvedValueOnce(hh());
    vi.mocked(api.backupSettings).mockResolvedValueOnce(st({ folder: '' }));
    render(Household, { onopen: vi.fn(), onconnect: vi.fn() });
    await screen.findByTestId('household');
    expect(screen.queryByTestId('household-backup')).toBeNull();
  });
});
