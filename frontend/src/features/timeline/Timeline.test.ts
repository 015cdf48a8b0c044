import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('../../lib/api', async (importOriginal) => {
  const { withRealErrors } = await import('../../test/api-mock');
  return withRealErrors(importOriginal, { timeline: vi.fn() });
});

import * as api from '../../lib/api';
import { records, type Plain } from '../../lib/wire';
import Timeline from './Timeline.svelte';
import { groupByVisit } from './group';

function ti(id: number, over: Partial<Plain<records.TimelineItem>> = {}): records.TimelineItem {
  return records.TimelineItem.createFrom({
    id, resourceType: 'Observation', date: '2024-02-03', dateEnd: '', category: '', display: `Record ${id}`, valueText: '', unit: '', status: '', source: 'ana.json', sourceId: 1, sources: ['ana.json'], encounter: 0, documents: [], ...over,
  });
}

function page(items: records.TimelineItem[], next?: Plain<records.Cursor>): records.TimelinePage {
  return records.TimelinePage.createFrom({ items, next });
}

// A well-child visit (row 100) with a height and a diagnosis during it, then a lone older result from a portal.
const visitPage = () =>
  page([
    ti(100, { resourceType: 'Encounter', display: 'Well child visit (procedure)', date: '2024-02-03T09:00:00Z', encounter: 100 }),
    ti(101, { display: 'Body height', valueNum: 120.30000000000001, unit: 'cm', encounter: 100 }),
    ti(102, { resourceType: 'Condition', display: 'Asthma (disorder)', status: 'active', encounter: 100 }),
    ti(90, { display: 'Hemoglobin', date: '2023-11-01', source: 'Mercy Hospital', sourceId: 2 }),
  ], { date: '2023-11-01', id: 90 });

const lastQuery = (): api.TimelineQuery => vi.mocked(api.timeline).mock.lastCall![1];

beforeEach(() => vi.mocked(api.timeline).mockReset());

describe('Timeline', () => {
  it('asks for the first page, then groups records under their visit, newest first', async () => {
    vi.mocked(api.timeline).mockResolvedValueOnce(visitPage());
    render(Timeline, { personId: 1, onopen: vi.fn() });
    expect(screen.getByTestId('timeline-loading')).toBeInTheDocument();
    const visit = await screen.findByTestId('timeline-visit');
    expect(api.timeline).toHaveBeenCalledWith(1, { types: [], source: 0, since: '', until: '', after: { date: '', id: 0 }, limit: 50 });

    expect(visit).toHaveAttribute('data-id', '100');
    expect(visit).toHaveTextContent('Well child visit');
    expect(visit).not.toHaveTextContent('(procedure)');
    expect(within(visit).getAllByTestId('timeline-item').map((b) => b.dataset.id)).toEqual(['101', '102']);
    expect(visit).toHaveTextContent('120.3 cm');
    expect(visit).toHaveTextContent('Asthma');
    // The lone result is outside any visit, after it.
    const all = screen.getAllByTestId('timeline-item').map((b) => b.dataset.id);
    expect(all).toEqual(['101', '102', '90']);
    expect(screen.getAllByTestId('timeline-visit')).toHaveLength(1);
  });

  it('opens a record, and a visit, in the detail drawer', async () => {
    const onopen = vi.fn();
    vi.mocked(api.timeline).mockResolvedValueOnce(visitPage());
    render(Timeline, { personId: 1, onopen });
    const visit = await screen.findByTestId('timeline-visit');
    await fireEvent.click(within(visit).getAllByTestId('timeline-item')[1]);
    expect(onopen).toHaveBeenLastCalledWith(102);
    await fireEvent.click(within(visit).getByTestId('timeline-visit-open'));
    expect(onopen).toHaveBeenLastCalledWith(100);
  });

  it('appends the next page with the cursor Go returned, and a visit continued there joins its heading', async () => {
    vi.mocked(api.timeline)
      .mockResolvedValueOnce(page([ti(100, { resourceType: 'Encounter', display: 'ER visit', encounter: 100 }), ti(101, { encounter: 100 })], { date: '2024-02-03', id: 101 }))
      .mockResolvedValueOnce(page([ti(99, { encounter: 100 }), ti(50, { date: '2020-01-01' })]));
    render(Timeline, { personId: 1, onopen: vi.fn() });
    const more = await screen.findByTestId('timeline-more');
    await fireEvent.click(more);
    await screen.findByTestId('timeline-end');
    expect(api.timeline).toHaveBeenCalledTimes(2);
    expect(lastQuery().after).toEqual({ date: '2024-02-03', id: 101 });
    expect(lastQuery().limit).toBe(50);
    expect(screen.getAllByTestId('timeline-item').map((b) => b.dataset.id)).toEqual(['101', '99', '50']);
    const visits = screen.getAllByTestId('timeline-visit');
    expect(visits).toHaveLength(1);
    expect(within(visits[0]).getAllByTestId('timeline-item')).toHaveLength(2);
    // The last page has no cursor: no more button.
    expect(screen.queryByTestId('timeline-more')).toBeNull();
  });

  it('passes the type, source and date filters in the query, from the first page again', async () => {
    vi.mocked(api.timeline).mockResolvedValue(visitPage());
    render(Timeline, { personId: 3, onopen: vi.fn() });
    await screen.findByTestId('timeline-visit');

    const chip = screen.getAllByTestId('timeline-filter-type').find((b) => b.dataset.type === 'Immunization')!;
    expect(chip).toHaveAttribute('aria-pressed', 'false');
    await fireEvent.click(chip);
    expect(chip).toHaveAttribute('aria-pressed', 'true');
    const cond = screen.getAllByTestId('timeline-filter-type').find((b) => b.dataset.type === 'Condition')!;
    await fireEvent.click(cond);
    await waitFor(() => expect(lastQuery().types).toEqual(['Condition', 'Immunization']));
    expect(lastQuery().after).toEqual({ date: '', id: 0 });

    // Sources are those the timeline has shown.
    const src = screen.getByTestId('timeline-source');
    expect([...src.querySelectorAll('option')].map((o) => o.textContent)).toEqual(['All sources', 'ana.json', 'Mercy Hospital']);
    await fireEvent.change(src, { target: { value: '2' } });
    await waitFor(() => expect(lastQuery().source).toBe(2));

    await fireEvent.input(screen.getByTestId('timeline-since'), { target: { value: '2020-01-01' } });
    await fireEvent.input(screen.getByTestId('timeline-until'), { target: { value: '2021-12-31' } });
    await waitFor(() => expect(lastQuery()).toMatchObject({ since: '2020-01-01', until: '2021-12-31', types: ['Condition', 'Immunization'], source: 2 }));
    expect(vi.mocked(api.timeline).mock.lastCall![0]).toBe(3);

    await fireEvent.click(cond);
    await waitFor(() => expect(lastQuery().types).toEqual(['Immunization']));
    await fireEvent.click(screen.getByTestId('timeline-clear'));
    await waitFor(() => expect(lastQuery()).toMatchObject({ types: [], source: 0, since: '', until: '' }));
  });

  it('does not ask Go for a range whose start is after its end', async () => {
    vi.mocked(api.timeline).mockResolvedValue(visitPage());
    render(Timeline, { personId: 1, onopen: vi.fn() });
    await screen.findByTestId('timeline-visit');
    const calls = vi.mocked(api.timeline).mock.calls.length;
    await fireEvent.input(screen.getByTestId('timeline-until'), { target: { value: '2020-01-01' } });
    await waitFor(() => expect(vi.mocked(api.timeline).mock.calls.length).toBe(calls + 1));
    await fireEvent.input(screen.getByTestId('timeline-since'), { target: { value: '2021-01-01' } });
    expect(await screen.findByRole('alert')).toHaveTextContent('The “from” date is after the “to” date.');
    expect(vi.mocked(api.timeline).mock.calls.length).toBe(calls + 1);
  });

  it('says what to do next when empty, and when filters match nothing', async () => {
    vi.mocked(api.timeline).mockResolvedValue(page([]));
    const onimport = vi.fn();
    render(Timeline, { personId: 1, onopen: vi.fn(), onimport });
    const empty = await screen.findByTestId('timeline-empty');
    expect(empty).toHaveTextContent('Import a downloaded record or connect a portal');
    await fireEvent.click(within(empty).getByRole('button', { name: 'Import records' }));
    expect(onimport).toHaveBeenCalled();

    await fireEvent.click(screen.getAllByTestId('timeline-filter-type')[0]);
    await waitFor(() => expect(screen.getByTestId('timeline-empty')).toHaveTextContent('Nothing matches these filters.'));
    expect(screen.queryByTestId('timeline-more')).toBeNull();
  });

  it('ignores a page that arrives after the filters changed', async () => {
    let slow!: (p: records.TimelinePage) => void;
    vi.mocked(api.timeline)
      .mockReturnValueOnce(new Promise((r) => (slow = r)))
      .mockResolvedValueOnce(page([ti(7, { resourceType: 'Immunization', display: 'MMR' })]));
    render(Timeline, { personId: 1, onopen: vi.fn() });
    await fireEvent.click(screen.getAllByTestId('timeline-filter-type').find((b) => b.dataset.type === 'Immunization')!);
    await screen.findByText('MMR');
    slow(visitPage());
    await new Promise((r) => setTimeout(r, 20));
    expect(screen.getAllByTestId('timeline-item').map((b) => b.dataset.id)).toEqual(['7']);
  });
  it('names each record by its kind in plain words, and opens its documents in the viewer', async () => {
    const onopen = vi.fn();
    const ondocument = vi.fn();
    vi.mocked(api.timeline).mockResolvedValueOnce(
      page([
        ti(5, { category: 'laboratory', display: 'Hemoglobin' }),
        ti(6, { resourceType: 'DiagnosticReport', category: '18842-5', display: 'Discharge summary', documents: [{ id: 77, title: 'Discharge summary.pdf', format: 'pdf' }] }),
      ]),
    );
    render(Timeline, { personId: 1, onopen, ondocument });
    const items = await screen.findAllByTestId('timeline-item');
    expect(items[0]).toHaveTextContent('Lab result');
    expect(items[0]).not.toHaveTextContent('Observation');
    expect(items[1]).toHaveTextContent('Discharge summary');
    const doc = screen.getByTestId('timeline-document');
    expect(doc).toHaveAccessibleName('Open document Discharge summary.pdf');
    await fireEvent.click(doc);
    expect(ondocument).toHaveBeenCalledWith(77);
    expect(onopen).not.toHaveBeenCalled();
  });
});

describe('Timeline sources', () => {
  it('shows a fact from two providers once, naming where else it came from', async () => {
    vi.mocked(api.timeline).mockResolvedValueOnce(page([
      ti(7, { display: 'Hemoglobin', source: 'Mercy Hospital', sources: ['Mercy Hospital', 'City Clinic <b>'] }),
      ti(8, { display: 'Glucose' }),
    ]));
    render(Timeline, { personId: 1, onopen: vi.fn() });
    const also = await screen.findAllByTestId('timeline-also');
    expect(also).toHaveLength(1);
    expect(also[0]).toHaveTextContent('Also from City Clinic <b>');
    expect(also[0].querySelector('b')).toBeNull();
  });
});

describe('groupByVisit', () => {
  it('keeps records without a visit apart and a visit without its Encounter loaded as a heading', () => {
    const g = groupByVisit([ti(1, { encounter: 9 }), ti(2), ti(3, { encounter: 9 })]);
    expect(g.map((e) => e.key)).toEqual(['v9', 'i2']);
    const v = g[0];
    expect(v.kind === 'visit' && v.head).toBeNull();
    expect(v.kind === 'visit' && v.items.map((i) => i.id)).toEqual([1, 3]);
  });

});
