import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('../../lib/api', async (importOriginal) => {
  const { withRealErrors } = await import('../../test/api-mock');
  return withRealErrors(importOriginal, {
    searchProviders: vi.fn(),
  });
});

import * as api from '../../lib/api';
import type { app } from '../../lib/wire';
import ProviderSearch from './ProviderSearch.svelte';

const searchMock = vi.mocked(api.searchProviders);

const results: app.ProviderResult[] = [
  { id: 'epic-1', name: 'Mercy Hospital', vendor: 'epic', vendorName: 'Epic (MyChart)', fhirBase: 'https://fhir.mercy.net/api/FHIR/R4', registered: true },
  { id: 'cerner-2', name: 'Mercy Clinic East', vendor: 'oracle', vendorName: 'Oracle Health (Cerner)', fhirBase: 'https://fhir-myrecord.cerner.com/r4/abc', registered: true },
  { id: 'athena-3', name: 'Mercyhurst Family Care', vendor: 'athena', vendorName: 'athenahealth', fhirBase: 'https://api.platform.athenahealth.com/fhir/r4', registered: true },
];

describe('ProviderSearch', () => {
  beforeEach(() => searchMock.mockReset());

  it('shows results with name, vendor and FHIR host as the person types', async () => {
    searchMock.mockResolvedValue(results);
    render(ProviderSearch, { onselect: vi.fn(), delay: 0 });
    const input = screen.getByTestId('provider-search');
    expect(input).toHaveAttribute('role', 'combobox');
    expect(input).toHaveAttribute('aria-expanded', 'false');

    await fireEvent.input(input, { target: { value: 'mercy' } });
    const rows = await screen.findAllByTestId('provider-result');
    expect(searchMock).toHaveBeenCalledWith('mercy');
    expect(rows).toHaveLength(3);
    expect(rows[0]).toHaveAttribute('data-id', 'epic-1');
    expect(rows[0]).toHaveAttribute('role', 'option');
    expect(rows[0]).toHaveTextContent('Mercy Hospital');
    expect(rows[0]).toHaveTextContent('Epic (MyChart)');
    expect(rows[0]).toHaveTextContent('fhir.mercy.net');
    expect(screen.getByRole('listbox')).toBeVisible();
    expect(input).toHaveAttribute('aria-expanded', 'true');
  });

  it('chooses with the arrow keys and Enter', async () => {
    searchMock.mockResolvedValue(results);
    const onselect = vi.fn();
    render(ProviderSearch, { onselect, delay: 0 });
    const input = screen.getByTestId('provider-search');
    await fireEvent.input(input, { target: { value: 'mercy' } });
    await screen.findAllByTestId('provider-result');

    await fireEvent.keyDown(input, { key: 'ArrowDown' });
    await fireEvent.keyDown(input, { key: 'ArrowDown' });
    await fireEvent.keyDown(input, { key: 'ArrowUp' });
    await fireEvent.keyDown(input, { key: 'ArrowDown' });
    const rows = screen.getAllByTestId('provider-result');
    expect(rows[2]).toHaveAttribute('aria-selected', 'true');
    expect(input).toHaveAttribute('aria-activedescendant', rows[2].id);

    await fireEvent.keyDown(input, { key: 'Enter' });
    expect(onselect).toHaveBeenLastCalledWith(results[2]);
    expect(input).toHaveValue('Mercyhurst Family Care');
    expect(input).toHaveAttribute('aria-expanded', 'false');
  });

  it('chooses with a click', async () => {
    searchMock.mockResolvedValue(results);
    const onselect = vi.fn();
    render(ProviderSearch, { onselect, delay: 0 });
    await fireEvent.input(screen.getByTestId('provider-search'), { target: { value: 'mercy' } });
    const rows = await screen.findAllByTestId('provider-result');
    await fireEvent.click(rows[1]);
    expect(onselect).toHaveBeenLastCalledWith(results[1]);
  });

  it('ignores answers to older keystrokes', async () => {
    let answerOld: (r: app.ProviderResult[]) => void = () => {};
    searchMock.mockImplementationOnce(() => new Promise((res) => (answerOld = res)));
    searchMock.mockResolvedValueOnce([results[1]]);
    render(ProviderSearch, { onselect: vi.fn(), delay: 0 });
    const input = screen.getByTestId('provider-search');

    await fireEvent.input(input, { target: { value: 'mer' } });
    await waitFor(() => expect(searchMock).toHaveBeenCalledTimes(1));
    await fireEvent.input(input, { target: { value: 'mercy clinic' } });
    await waitFor(() => expect(screen.getAllByTestId('provider-result')).toHaveLength(1));

    answerOld(results); // the slow, stale answer arrives last
    await new Promise((r) => setTimeout(r, 10));
    const rows = screen.getAllByTestId('provider-result');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toHaveAttribute('data-id', 'cerner-2');
  });

  it('says when nothing matches', async () => {
    searchMock.mockResolvedValue([]);
    render(ProviderSearch, { onselect: vi.fn(), delay: 0 });
    await fireEvent.input(screen.getByTestId('provider-search'), { target: { value: 'zzz' } });
    expect(await screen.findByTestId('provider-empty')).toHaveTextContent('No providers match');
  });
});
