import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('../../lib/api', async (importOriginal) => {
  const { withRealErrors } = await import('../../test/api-mock');
  return withRealErrors(importOriginal, { dashboard: vi.fn(), markViewed: vi.fn(() => Promise.resolve()) });
});

import * as api from '../../lib/api';
import { app, records, type Plain } from '../../lib/wire';
import Dashboard from './Dashboard.svelte';
import { flagText, normalRange } from './flags';

function item(id: number, over: Partial<Plain<records.Item>> = {}): Plain<records.Item> {
  return { id, resourceType: 'Observation', date: '', dateEnd: '', category: '', codeSystem: '', code: '', display: '', valueText: '', unit: '', status: '', source: 'ana.json', ...over };
}

/** Ana's dashboard as Go builds it (records.Dashboard), with the parts a test cares about replaced. */
function dash(over: Partial<Plain<records.Dashboard>> = {}): records.Dashboard {
  return records.Dashboard.createFrom({
    person: { id: 1, name: 'Ana Ruiz', birthDate: '2019-03-01', records: 40 },
    age: 7,
    patientRecords: 2,
    counts: [{ resourceType: 'Condition', count: 3 }, { resourceType: 'Observation', count: 30 }, { resourceType: 'Encounter', count: 6 }, { resourceType: 'Patient', count: 1 }],
    problems: [item(10, { resourceType: 'Condition', display: 'Asthma (disorder)', date: '2021-05-04', status: 'active' })],
    medications: [item(20, { resourceType: 'MedicationRequest', display: 'Albuterol 90 MCG inhaler', date: '2021-05-04', status: 'active' })],
    pastMedications: 4,
    allergies: [{ id: 30, display: 'Peanut (substance)', date: '2020-01-01', status: 'active', category: 'food', criticality: 'high', severity: 'severe', reactions: ['Anaphylaxis', 'Hives'], source: 'ana.json' }],
    immunizations: [
      { code: '08', display: 'Hep B, adolescent or pediatric', doses: [{ id: 41, date: '2019-03-01', status: 'completed', source: '' }, { id: 42, date: '2019-04-01', status: 'completed', source: '' }, { id: 43, date: '2019-09-01', status: 'completed', source: '' }] },
      { code: '03', display: 'MMR', doses: [{ id: 44, date: '2020-03-01', status: 'completed', source: '' }] },
    ],
    visits: [{ id: 50, date: '2024-02-03T09:00:00Z', dateEnd: '', type: 'Well child visit (procedure)', class: 'AMB', reason: 'Check up (finding)', where: 'Mercy Clinic', status: 'finished', source: '' }],
    vitals: [item(60, { display: 'Body height', valueNum: 120.30000000000001, unit: 'cm', date: '2024-02-03', category: 'vital-signs' })],
    flagged: [{ result: item(70, { display: 'Hemoglobin', valueNum: 9.8, unit: 'g/dL', date: '2024-02-03' }), flag: 'L', low: 11.5, high: 15.5, range: '' }],
    carePlans: [item(80, { resourceType: 'CarePlan', display: 'Asthma self management', status: 'active' })],
    goals: [],
    connections: [{ id: 1, provider: 'Mercy Hospital', status: 'needs_reconnect', statusText: 'Sign in again to keep it up to date', needsAttention: true, lastSynced: '2024-05-01T10:00:00Z' }],
    ...over,
  });
}

const props = () => ({ personId: 1, onopen: vi.fn(), onlist: vi.fn(), onimport: vi.fn(), onconnect: vi.fn() });

beforeEach(() => {
  vi.mocked(api.dashboard).mockReset();
  vi.mocked(api.markViewed).mockClear();
});

describe('Dashboard', () => {
  it('shows a loading state, then the header with age and a birth date that does not shift by time zone', async () => {
    let resolve!: (d: records.Dashboard) => void;
    vi.mocked(api.dashboard).mockReturnValueOnce(new Promise((r) => (resolve = r)));
    render(Dashboard, props());
    expect(screen.getByTestId('dashboard-loading')).toBeInTheDocument();
    resolve(dash());
    const age = await screen.findByTestId('dashboard-age');
    expect(age).toHaveTextContent('7 years old');
    // The record count is the person header's, once: a second, differently counted total here disagreed with it.
    expect(age).not.toHaveTextContent(/record/);
    // 2019-03-01 is a date, not an instant: it reads 1 March in every time zone.
    expect(age).toHaveTextContent(new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' }).format(new Date(Date.UTC(2019, 2, 1))));
    expect(screen.queryByTestId('dashboard-loading')).toBeNull();
    expect(api.dashboard).toHaveBeenCalledWith(1);
  });

  it('fills every card from the dashboard, in plain words', async () => {
    vi.mocked(api.dashboard).mockResolvedValueOnce(dash());
    render(Dashboard, props());
    const problems = await screen.findByTestId('dashboard-problems');
    expect(problems).toHaveTextContent('Asthma');
    expect(problems).not.toHaveTextContent('(disorder)');
    expect(problems).toHaveTextContent('Since');

    const meds = screen.getByTestId('dashboard-meds');
    expect(meds).toHaveTextContent('Albuterol 90 MCG inhaler');
    expect(within(meds).getByTestId('dashboard-meds-past')).toHaveTextContent('4 past medications');

    const allergies = screen.getByTestId('dashboard-allergies');
    expect(allergies).toHaveTextContent('Peanut');
    expect(allergies).not.toHaveTextContent('(substance)');
    expect(within(allergies).getByTestId('allergy-severity')).toHaveTextContent('Severe reaction');
    expect(within(allergies).getByTestId('allergy-criticality')).toHaveTextContent('High risk');
    expect(within(allergies).getByTestId('allergy-reactions')).toHaveTextContent('Reaction: Anaphylaxis, Hives');

    // Grouped by vaccine, every dose with its date, oldest first as Go sent them.
    const imm = screen.getByTestId('dashboard-immunizations');
    const vaccines = within(imm).getAllByTestId('vaccine');
    expect(vaccines).toHaveLength(2);
    expect(vaccines[0]).toHaveTextContent('Hep B, adolescent or pediatric');
    expect(vaccines[0]).toHaveTextContent('3 doses');
    expect(within(vaccines[0]).getAllByTestId('vaccine-dose').map((b) => b.dataset.id)).toEqual(['41', '42', '43']);
    expect(within(vaccines[1]).getAllByTestId('vaccine-dose')).toHaveLength(1);
    // The printable vaccine record carries every vaccine with all its dose dates.
    const sheet = screen.getByTestId('vaccine-record-print');
    expect(sheet).toHaveTextContent('Ana Ruiz');
    expect(sheet.querySelectorAll('tbody tr')).toHaveLength(2);
    expect(sheet.querySelector('tbody tr td:last-child')!.textContent!.split(' · ')).toHaveLength(3);
    const print = vi.spyOn(window, 'print').mockImplementation(() => {});
    await fireEvent.click(within(imm).getByTestId('dashboard-print-vaccines'));
    expect(print).toHaveBeenCalled();

    const visits = screen.getByTestId('dashboard-visits');
    expect(visits).toHaveTextContent('Well child visit');
    expect(visits).toHaveTextContent('For Check up · Mercy Clinic');
    expect(visits).not.toHaveTextContent('(procedure)');

    expect(screen.getByTestId('dashboard-vitals')).toHaveTextContent('120.3 cm');
    expect(screen.getByTestId('dashboard-careplans')).toHaveTextContent('Asthma self management');

    const conn = screen.getByTestId('dashboard-connection');
    expect(conn).toHaveTextContent('Mercy Hospital');
    expect(conn).toHaveTextContent('Last synced');
    expect(within(conn).getByTestId('connection-attention')).toHaveTextContent('Needs attention');
  });

  it('flags an out-of-range result with words and a glyph, not colour alone, and its normal range', async () => {
    vi.mocked(api.dashboard).mockResolvedValueOnce(dash());
    render(Dashboard, props());
    const flagged = await screen.findByTestId('dashboard-flagged');
    expect(flagged).toHaveTextContent('Hemoglobin');
    expect(flagged).toHaveTextContent('9.8 g/dL');
    const flag = within(flagged).getByTestId('flag');
    expect(flag).toHaveTextContent('▼ Low');
    expect(flagged).toHaveTextContent('Normal range 11.5–15.5 g/dL');
  });

  it('opens each item in the detail drawer, and past medications in their list', async () => {
    const p = props();
    vi.mocked(api.dashboard).mockResolvedValueOnce(dash());
    render(Dashboard, p);
    await screen.findByTestId('dashboard');
    await fireEvent.click(within(screen.getByTestId('dashboard-allergies')).getByTestId('record-item'));
    expect(p.onopen).toHaveBeenLastCalledWith(30);
    await fireEvent.click(within(screen.getByTestId('dashboard-immunizations')).getAllByTestId('vaccine-dose')[1]);
    expect(p.onopen).toHaveBeenLastCalledWith(42);
    await fireEvent.click(within(screen.getByTestId('dashboard-visits')).getByTestId('record-item'));
    expect(p.onopen).toHaveBeenLastCalledWith(50);
    await fireEvent.click(within(screen.getByTestId('dashboard-flagged')).getByTestId('record-item'));
    expect(p.onopen).toHaveBeenLastCalledWith(70);
    await fireEvent.click(screen.getByTestId('dashboard-meds-past'));
    expect(p.onlist).toHaveBeenCalledWith('MedicationRequest');
  });

  it('says what to do next on empty cards, and leads an empty record with importing', async () => {
    vi.mocked(api.dashboard).mockResolvedValueOnce(
      dash({ problems: null, medications: [], pastMedications: 0, allergies: [], immunizations: null, visits: [], vitals: [], flagged: [], carePlans: [], goals: null, connections: [] }),
    );
    const first = render(Dashboard, props());
    expect(await screen.findByTestId('dashboard-allergies')).toHaveTextContent('No allergies recorded');
    expect(screen.getByTestId('dashboard-immunizations')).toHaveTextContent('A vaccine record from your doctor or school can be imported');
    expect(screen.getByTestId('dashboard-flagged')).toHaveTextContent('No latest result is outside its normal range');
    expect(screen.getByTestId('dashboard-connections')).toHaveTextContent('No portal is connected');
    expect(screen.queryByTestId('dashboard-meds-past')).toBeNull();
    first.unmount();

    const p = props();
    vi.mocked(api.dashboard).mockResolvedValueOnce(dash({ counts: [], age: undefined, person: { id: 1, name: 'Ana Ruiz', birthDate: '', records: 0 } }));
    render(Dashboard, p);
    const empty = await screen.findByTestId('dashboard-empty');
    expect(empty).toHaveTextContent('Download your record from your patient portal and drop it here');
    expect(screen.getByTestId('dashboard-age')).toHaveTextContent('No birth date recorded');
    await fireEvent.click(screen.getByTestId('dashboard-import'));
    expect(p.onimport).toHaveBeenCalled();
  });

  it('shows Go’s message when the dashboard cannot load', async () => {
    vi.mocked(api.dashboard).mockRejectedValueOnce(new api.ApiError({ kind: app.ErrorKind.NotFound, message: 'That person is not in this vault.' }));
    render(Dashboard, props());
    expect(await screen.findByRole('alert')).toHaveTextContent('That person is not in this vault.');
    // Nothing was seen: the household view keeps counting what is new.
    expect(api.markViewed).not.toHaveBeenCalled();
  });

  it('reloads for another person', async () => {
    vi.mocked(api.dashboard).mockResolvedValue(dash());
    const r = render(Dashboard, props());
    await screen.findByTestId('dashboard');
    await waitFor(() => expect(api.markViewed).toHaveBeenLastCalledWith(1));
    await r.rerender({ personId: 2 });
    await waitFor(() => expect(api.dashboard).toHaveBeenLastCalledWith(2));
    // Each person's record counts as seen once their dashboard has shown.
    await waitFor(() => expect(api.markViewed).toHaveBeenLastCalledWith(2));
  });
});

describe('flag words', () => {
  it('reads every code Go sends as words, and an unknown one as out of range', () => {
    expect(flagText('HH')).toMatchObject({ label: 'Critically high', glyph: '▲▲' });
    expect(flagText('A').label).toBe('Abnormal');
    expect(flagText('XYZ').label).toBe('Out of range');
  });
  it('prefers the source’s range text, else builds one from low and high', () => {
    expect(normalRange({ low: undefined, high: undefined, range: '<5 mg/L', result: { unit: 'mg/L' } })).toBe('Normal range <5 mg/L');
    expect(normalRange({ low: 3.5, high: undefined, range: '', result: { unit: 'mmol/L' } })).toBe('Normal range at least 3.5 mmol/L');
    expect(normalRange({ low: undefined, high: undefined, range: '', result: { unit: '' } })).toBe('');
  });
});

describe('trends from the dashboard', () => {
  it("a flagged result's See trend opens its test's trend", async () => {
    const ontrend = vi.fn();
    const f = { result: item(70, { display: 'Hemoglobin', valueNum: 9.8, unit: 'g/dL', date: '2024-02-03', codeSystem: 'http://loinc.org', code: '718-7' }), flag: 'L', low: 11.5, high: 15.5, range: '' };
    vi.mocked(api.dashboard).mockResolvedValue(dash({ flagged: [f] }));
    render(Dashboard, { ...props(), ontrend });
    const link = await screen.findByTestId('flagged-trend');
    expect(link).toHaveAccessibleName('See trend of Hemoglobin');
    await fireEvent.click(link);
    expect(ontrend).toHaveBeenCalledWith('loinc:718-7');
  });
});

