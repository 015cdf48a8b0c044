import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('../../lib/api', async (importOriginal) => {
  const { withRealErrors } = await import('../../test/api-mock');
  return withRealErrors(importOriginal, { overview: vi.fn(), setAsideRecords: vi.fn(), setRecordHidden: vi.fn(), restoreRecord: vi.fn() });
});

import * as api from '../../lib/api';
import Overview from './Overview.svelte';
import type { records } from '../../lib/wire';

function ov(counts: [string, number][], labs: Partial<records.Item>[] = []): records.Overview {
  return {
    person: { id: 1, name: 'Ana Ruiz', birthDate: '', records: 1 },
    counts: counts.map(([resourceType, count]) => ({ resourceType, count })),
    conditions: [],
    medications: [],
    allergies: [],
    immunizations: [],
    vitals: [],
    labs: labs.map((l, i) => ({ id: 100 + i, resourceType: 'Observation', date: '2021-03-12', dateEnd: '', category: 'laboratory', codeSystem: '', code: '', display: '', valueText: '', unit: '', status: '', source: '', ...l })),
  } as unknown as records.Overview;
}

const chipOrder = () => screen.getAllByTestId(/^type-chip-/).map((b) => b.dataset.testid);
const props = { onopen: vi.fn(), onlist: vi.fn(), onimport: vi.fn() };

beforeEach(() => {
  vi.mocked(api.setAsideRecords).mockReset().mockResolvedValue([]);
  vi.mocked(api.setRecordHidden).mockReset().mockResolvedValue();
  vi.mocked(api.restoreRecord).mockReset().mockResolvedValue();
});

describe('records set aside', () => {
  it('lists hidden records and deleted entries, and brings each back its own way', async () => {
    const onchanged = vi.fn();
    vi.mocked(api.overview).mockResolvedValue(ov([['Condition', 1]]));
    vi.mocked(api.setAsideRecords).mockResolvedValue([
      { id: 8, resourceType: 'Condition', display: 'Sprained ankle', date: '2020-01-01', hidden: true, deleted: false, note: 'Healed' },
      { id: 9, resourceType: 'AllergyIntolerance', display: 'Penicillin', date: '', hidden: false, deleted: true, note: '' },
    ]);
    render(Overview, { personId: 1, ...props, onchanged });
    const rows = await screen.findAllByTestId('set-aside-row');
    expect(rows).toHaveLength(2);
    expect(rows[0]).toHaveTextContent('Sprained ankle');
    expect(rows[0]).toHaveTextContent('Your note: Healed');
    const buttons = screen.getAllByTestId('set-aside-restore');
    expect(buttons[0]).toHaveTextContent('Show again');
    expect(buttons[1]).toHaveTextContent('Bring back');
    await fireEvent.click(buttons[0]);
    await fireEvent.click(buttons[1]);
    await waitFor(() => expect(onchanged).toHaveBeenCalledTimes(2));
    expect(api.setRecordHidden).toHaveBeenCalledWith(8, false);
    expect(api.restoreRecord).toHaveBeenCalledWith(9);
  });

  it('shows nothing when nothing is set aside', async () => {
    vi.mocked(api.overview).mockResolvedValue(ov([['Condition', 1]]));
    render(Overview, { personId: 1, ...props });
    await screen.findByTestId('overview-counts');
    expect(screen.queryByTestId('overview-set-aside')).not.toBeInTheDocument();
  });
});

describe('Overview', () => {
  it('shows the type chips in one fixed order, whatever the counts', async () => {
    vi.mocked(api.overview).mockResolvedValueOnce(ov([['Observation', 900], ['Condition', 3], ['Encounter', 40], ['NutritionOrder', 1], ['Immunization', 12]]));
    const first = render(Overview, { personId: 1, ...props });
    await waitFor(() => expect(chipOrder()).toHaveLength(5));
    const a = chipOrder();
    first.unmount();

    vi.mocked(api.overview).mockResolvedValueOnce(ov([['Immunization', 500], ['NutritionOrder', 80], ['Encounter', 2], ['Condition', 70], ['Observation', 1]]));
    render(Overview, { personId: 2, ...props });
    await waitFor(() => expect(chipOrder()).toHaveLength(5));
    expect(chipOrder()).toEqual(a);
    expect(a).toEqual(['type-chip-Condition', 'type-chip-Immunization', 'type-chip-Observation', 'type-chip-Encounter', 'type-chip-NutritionOrder']);
  });

  it('shows a long lab name whole in its tooltip, without its SNOMED tag, and a readable unit', async () => {
    const long = 'Leukocytes [#/volume] in Blood by Automated count with a very long name (finding)';
    vi.mocked(api.overview).mockResolvedValueOnce(ov([['Observation', 1]], [{ display: long, valueNum: 6.123456, unit: '10*3/uL' }]));
    render(Overview, { personId: 1, ...props });
    const item = await screen.findByTestId('record-item');
    const name = item.querySelector('.display')!;
    expect(name).toHaveTextContent('Leukocytes [#/volume] in Blood by Automated count with a very long name');
    expect(name.textContent).not.toContain('(finding)');
    expect(name).toHaveAttribute('title', name.textContent);
    expect(item.querySelector('.value')).toHaveTextContent('6.1235 thousand/µL');
  });

  it('leads an empty record with importing a downloaded file', async () => {
    vi.mocked(api.overview).mockResolvedValueOnce(ov([]));
    render(Overview, { personId: 1, ...props, onconnect: vi.fn() });
    const empty = await screen.findByTestId('overview-empty');
    expect(empty).toHaveTextContent('Download your record from your patient portal and drop it here');
    const buttons = [...empty.querySelectorAll('button')].map((b) => b.textContent?.trim());
    expect(buttons).toEqual(['Import records', 'Connect a portal']);
  });
});
