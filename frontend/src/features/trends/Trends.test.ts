import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('../../lib/api', async (importOriginal) => {
  const { withRealErrors } = await import('../../test/api-mock');
  return withRealErrors(importOriginal, { labList: vi.fn(), labs: vi.fn() });
});

import * as api from '../../lib/api';
import { records } from '../../lib/wire';
import Trends from './Trends.svelte';
import type { Point, Series, SeriesInfo } from './trend';

const LOINC = 'http://loinc.org';

function point(date: string, value: number | undefined, over: Partial<Point> = {}): Point {
  return { date, value, unit: 'mg/dL', flag: '', abnormal: false, sources: [{ record: 100 + Number(date.slice(0, 4)), source: 'Mercy Clinic' }], ...over };
}

const chol: Series = {
  key: 'loinc:2093-3', code: '2093-3', system: LOINC, display: 'Total Cholesterol', kind: 'lab', unit: 'mg/dL', converted: true, pair: false, growth: false,
  points: [
    point('2020-01-01', 180, { low: 0, high: 199 }),
    point('2021-01-01', 212, { high: 199, flag: 'H', abnormal: true, sources: [{ record: 1, source: 'Mercy Clinic' }, { record: 2, source: 'City Hospital portal' }] }),
    point('2022-01-01', 193.3, { from: { value: 5, unit: 'mmol/L' } }),
  ],
};
const cholUmol: Series = { ...chol, unit: 'ng/mL', converted: false, points: [point('2019-01-01', 7, { unit: 'ng/mL' })] };
const weight: Series = {
  key: 'loinc:29463-7', code: '29463-7', system: LOINC, display: 'Body Weight', kind: 'vital', unit: 'kg', converted: false, pair: false, growth: true,
  points: [point('2020-01-01', 12, { unit: 'kg', age: 1.5 }), point('2021-01-01', 14, { unit: 'kg', age: 2.5 })],
};

function info(s: Series): SeriesInfo {
  return { key: s.key, code: s.code, system: s.system, display: s.display, kind: s.kind, unit: s.unit, count: s.points!.length, pair: s.pair, growth: s.growth, latest: s.points![s.points!.length - 1] };
}

beforeEach(() => {
  vi.mocked(api.labList).mockReset().mockResolvedValue([info(weight), info(chol), info(cholUmol)].map((x) => records.LabSeriesInfo.createFrom(x)));
  vi.mocked(api.labs)
    .mockReset()
    .mockImplementation(async (_p: number, key: string) =>
      records.Labs.createFrom({ birthDate: '2018-07-01', series: key === chol.key ? [chol, cholUmol] : key === weight.key ? [weight] : [] }),
    );
});

describe('Trends', () => {
  it('opens on the asked test, compares a second, and draws every unit on its own', async () => {
    const onopen = vi.fn();
    render(Trends, { personId: 1, initialKey: 'loinc:2093-3', onopen });
    const card = await screen.findByTestId('trend-card');
    expect(card).toHaveAttribute('data-key', 'loinc:2093-3');
    expect(within(card).getByRole('heading', { name: 'Total Cholesterol' })).toBeInTheDocument();
    // The ng/mL results cannot be converted exactly: their own chart, said in words.
    expect(await within(card).findByTestId('trend-split')).toHaveTextContent('Also measured in ng/mL');
    // A test split by unit is one line in the picker.
    expect(screen.getAllByTestId('trend-pick')).toHaveLength(2);
    // No canvas in this environment: the chart says so, its keyboard reading still works.
    const chart = within(card).getAllByTestId('trend-chart')[0];
    expect(chart).toHaveAccessibleName(/Total Cholesterol in mg\/dL: 3 measurements/);
    await fireEvent.keyDown(chart, { key: 'ArrowRight' });
    await fireEvent.keyDown(chart, { key: 'ArrowRight' });
    expect(within(chart).getByTestId('trend-current')).toHaveTextContent(/212 mg\/dL, High, normal range up to 199 mg\/dL, from Mercy Clinic, City Hospital portal/);
    await fireEvent.keyDown(chart, { key: 'Enter' });
    expect(onopen).toHaveBeenCalledWith(1);

    await fireEvent.click(screen.getByRole('checkbox', { name: /Body Weight/ }));
    await waitFor(() => expect(screen.getAllByTestId('trend-card')).toHaveLength(2));
    expect(api.labs).toHaveBeenCalledWith(1, 'loinc:29463-7');
  });

  it('shows a table with flags, conversions and every source, each opening its record', async () => {
    const onopen = vi.fn();
    render(Trends, { personId: 1, initialKey: 'loinc:2093-3', onopen });
    await screen.findByTestId('trend-split');
    await fireEvent.click(screen.getByTestId('trend-mode-table'));
    const table = screen.getAllByTestId('trend-table')[0];
    const rows = within(table).getAllByTestId('trend-row');
    expect(rows).toHaveLength(3);
    // Newest first.
    expect(rows[0]).toHaveTextContent('193.3 mg/dL');
    expect(within(rows[0]).getByTestId('trend-converted')).toHaveTextContent('Converted from 5 mmol/L');
    expect(within(rows[1]).getByTestId('trend-flag')).toHaveTextContent('High');
    expect(rows[1]).toHaveTextContent('up to 199 mg/dL');
    const opens = within(rows[1]).getAllByTestId('trend-open');
    expect(opens.map((b) => b.textContent)).toEqual(['Mercy Clinic: open the record of Jan 1, 2021', 'City Hospital portal: open the record of Jan 1, 2021']);
    await fireEvent.click(opens[1]);
    expect(onopen).toHaveBeenCalledWith(2);
    expect(document.body.textContent).not.toMatch(/Observation|LOINC|valueQuantity|mm\[Hg\]/);
  });

  it("draws a child's growth against age and shows weight in pounds on request", async () => {
    render(Trends, { personId: 1, initialKey: 'loinc:29463-7', onopen: vi.fn() });
    const byAge = await screen.findByTestId('trend-by-age');
    expect(byAge).toBeChecked();
    await fireEvent.click(screen.getByTestId('trend-mode-table'));
    expect(screen.getAllByTestId('trend-row')[0]).toHaveTextContent('2 years 6 months');
    await fireEvent.change(screen.getByTestId('trend-unit'), { target: { value: '[lb_av]' } });
    const row = screen.getAllByTestId('trend-row')[0];
    expect(row).toHaveTextContent('30.86 lb');
    expect(row).toHaveTextContent('Converted from 14 kg');
  });

  it('opens a systolic pressure sent on its own on the blood pressures it paired into', async () => {
    const bp: Series = {
      key: 'loinc:85354-9', code: '85354-9', system: LOINC, display: 'Blood pressure', kind: 'vital', unit: 'mm[Hg]', converted: false, pair: true, growth: false,
      points: [point('2022-01-01', 150, { unit: 'mm[Hg]', value2: 95, flag: 'H', abnormal: true })],
    };
    vi.mocked(api.labList).mockResolvedValueOnce([info(bp), info(chol)].map((x) => records.LabSeriesInfo.createFrom(x)));
    vi.mocked(api.labs).mockImplementation(async (_p: number, key: string) => records.Labs.createFrom({ birthDate: '', series: key === bp.key ? [bp] : [] }));
    render(Trends, { personId: 1, initialKey: 'loinc:8480-6', onopen: vi.fn() });
    expect((await screen.findByTestId('trend-card')).getAttribute('data-key')).toBe('loinc:85354-9');
  });

  it('opens on the latest out-of-range result when no test is asked for, and says when there is nothing', async () => {
    const flagged = { ...info(chol), latest: chol.points![1] };
    vi.mocked(api.labList).mockResolvedValueOnce([info(weight), flagged].map((x) => records.LabSeriesInfo.createFrom(x)));
    const first = render(Trends, { personId: 1, onopen: vi.fn() });
    expect((await screen.findByTestId('trend-card')).getAttribute('data-key')).toBe('loinc:2093-3');
    first.unmount();
    vi.mocked(api.labList).mockResolvedValue([]);
    render(Trends, { personId: 2, onopen: vi.fn() });
    expect(await screen.findByTestId('trends-empty')).toBeInTheDocument();
  });
});
