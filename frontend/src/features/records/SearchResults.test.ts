import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('../../lib/api', async (importOriginal) => {
  const { withRealErrors } = await import('../../test/api-mock');
  return withRealErrors(importOriginal, { search: vi.fn() });
});

import * as api from '../../lib/api';
import { app, type Plain, type records } from '../../lib/wire';
import SearchResults from './SearchResults.svelte';

type Results = Plain<records.SearchResults>;

function item(id: number, resourceType: string, display: string, extra: Partial<records.Item> = {}): records.Item {
  return { id, resourceType, date: '2021-03-12', dateEnd: '', category: '', codeSystem: '', code: '', display, valueText: '', unit: '', status: '', source: 'Clinic', ...extra } as records.Item;
}

function results(over: Partial<Results> = {}): records.SearchResults {
  return {
    query: 'cholestrol',
    total: 3,
    insuranceHidden: 2,
    understood: [{ typed: 'cholestrol', means: ['cholesterol'] }],
    people: [
      {
        personId: 1,
        name: 'Ana Ruiz',
        total: 3,
        groups: [
          {
            resourceType: 'Observation',
            category: 'laboratory',
            total: 2,
            hits: [
              {
                item: item(11, 'Observation', 'Total Cholesterol', { category: 'laboratory', valueNum: 190, unit: 'mg/dL' }),
                segments: [
                  { text: 'Total ', match: false },
                  { text: 'Cholesterol', match: true },
                ],
              },
              // Text that looks like markup stays text.
              { item: item(12, 'Observation', 'x', { category: 'laboratory' }), segments: [{ text: '<img src=x onerror=alert(1)>', match: false }, { text: 'cholesterol', match: true }] },
            ],
          },
          { resourceType: 'Condition', category: '', total: 1, hits: [{ item: item(13, 'Condition', 'High cholesterol'), segments: [{ text: 'High ', match: false }, { text: 'cholesterol', match: true }] }] },
        ],
      },
    ],
    ...over,
  } as unknown as records.SearchResults;
}

const base = { personId: 1, personName: 'Ana Ruiz', query: 'cholestrol', onback: vi.fn() };

describe('SearchResults', () => {
  beforeEach(() => vi.mocked(api.search).mockReset());

  it('groups by person and kind in plain words and marks the match as text', async () => {
    vi.mocked(api.search).mockResolvedValue(results());
    const onopen = vi.fn();
    const { container } = render(SearchResults, { ...base, onopen });
    await screen.findAllByTestId('search-result');
    expect(api.search).toHaveBeenCalledWith({ text: 'cholestrol', personId: 1, insurance: false, limit: 0 });
    const groups = screen.getAllByTestId('search-group').map((g) => g.textContent?.replace(/\s+/g, ' ').trim());
    expect(groups).toEqual(['Lab results 2', 'Conditions 1']);
    const person = screen.getByRole('region', { name: /Ana Ruiz/ });
    expect(within(person).getAllByRole('button')).toHaveLength(3);
    const marks = [...container.querySelectorAll('mark')].map((m) => m.textContent);
    expect(marks).toEqual(['Cholesterol', 'cholesterol', 'cholesterol']);
    // No {@html}: the markup-looking text is shown as it is, no element made.
    expect(container.querySelector('img')).toBeNull();
    expect(screen.getAllByTestId('search-result')[1]).toHaveTextContent('<img src=x onerror=alert(1)>cholesterol');
    expect(screen.getByTestId('search-understood')).toHaveTextContent('Also searched for: cholesterol (for “cholestrol”)');
    expect(screen.getByTestId('search-status')).toHaveTextContent('3 records found');
    // No FHIR type names anywhere.
    expect(container.textContent).not.toMatch(/\bObservation\b|\bCondition\b|\blaboratory\b/);
    await fireEvent.click(screen.getAllByTestId('search-result')[2]);
    expect(onopen).toHaveBeenCalledWith(13);
  });

  it('says when the words were found in the record\'s document, under its name', async () => {
    const doc = results({
      total: 1,
      people: [
        {
          personId: 1,
          name: 'Ana Ruiz',
          total: 1,
          groups: [
            {
              resourceType: 'DocumentReference',
              category: '',
              total: 1,
              hits: [
                {
                  item: item(21, 'DocumentReference', 'Visit note'),
                  inDocument: true,
                  segments: [{ text: 'Right knee ', match: false }, { text: 'arthroscopy', match: true }, { text: ' planned…', match: false }],
                },
              ],
            },
          ],
        },
      ] as unknown as Results['people'],
    });
    vi.mocked(api.search).mockResolvedValue(doc);
    const onopen = vi.fn();
    render(SearchResults, { ...base, query: 'arthroscopy', onopen });
    const hit = await screen.findByTestId('search-result');
    expect(hit).toHaveTextContent('Visit note');
    expect(screen.getByTestId('search-in-document')).toHaveTextContent('In its document: “Right knee arthroscopy planned…”');
    expect(screen.getByTestId('search-in-document').querySelector('mark')?.textContent).toBe('arthroscopy');
    await fireEvent.click(hit);
    expect(onopen).toHaveBeenCalledWith(21);
  });

  it('searches everyone or includes insurance when asked', async () => {
    vi.mocked(api.search).mockResolvedValue(results());
    render(SearchResults, { ...base, onopen: vi.fn() });
    await screen.findAllByTestId('search-result');
    expect(screen.getByLabelText(/Include insurance/)).toHaveAccessibleName('Include insurance (2 matches)');
    await fireEvent.click(screen.getByLabelText('Everyone in the household'));
    await waitFor(() => expect(api.search).toHaveBeenLastCalledWith({ text: 'cholestrol', personId: 0, insurance: false, limit: 0 }));
    await fireEvent.click(screen.getByLabelText(/Include insurance/));
    await waitFor(() => expect(api.search).toHaveBeenLastCalledWith({ text: 'cholestrol', personId: 0, insurance: true, limit: 0 }));
    await fireEvent.click(screen.getByLabelText("Ana Ruiz's records"));
    await waitFor(() => expect(api.search).toHaveBeenLastCalledWith({ text: 'cholestrol', personId: 1, insurance: true, limit: 0 }));
  });

  it('says when nothing was found, and shows errors by their message', async () => {
    vi.mocked(api.search).mockResolvedValueOnce(results({ total: 0, people: [], understood: [], insuranceHidden: 0 }));
    const first = render(SearchResults, { ...base, onopen: vi.fn() });
    await waitFor(() => expect(screen.getByTestId('search-status')).toHaveTextContent('Nothing found'));
    expect(screen.queryByTestId('search-result')).toBeNull();
    first.unmount();

    vi.mocked(api.search).mockRejectedValueOnce(new api.ApiError({ kind: app.ErrorKind.NotFound, message: 'That person is gone.' }));
    render(SearchResults, { ...base, onopen: vi.fn() });
    expect(await screen.findByRole('alert')).toHaveTextContent('That person is gone.');
  });
});
