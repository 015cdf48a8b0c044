import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('../../lib/api', async (importOriginal) => {
  const { withRealErrors } = await import('../../test/api-mock');
  return withRealErrors(importOriginal, {
    addPerson: vi.fn(),
    renamePerson: vi.fn(),
    removePerson: vi.fn(),
  });
});

import * as api from '../../lib/api';
import PersonSwitcher from './PersonSwitcher.svelte';
import type { records } from '../../lib/wire';

const people: records.Person[] = [
  { id: 1, name: 'Ana Ruiz', birthDate: '1980-02-03', records: 1234 },
  { id: 7, name: 'Leo Ruiz', birthDate: '2015-06-01', records: 1 },
];

describe('PersonSwitcher', () => {
  beforeEach(() => vi.clearAllMocks());

  it('lists people with initials, names and record counts', () => {
    render(PersonSwitcher, { people, selectedId: 1, onselect: vi.fn(), onchanged: vi.fn() });
    const ana = screen.getByTestId('person-1');
    expect(ana).toHaveTextContent('Ana Ruiz');
    expect(ana).toHaveTextContent('AR');
    expect(ana).toHaveTextContent('1,234 records');
    expect(ana).toHaveAttribute('aria-current', 'true');
    const leo = screen.getByTestId('person-7');
    expect(leo).toHaveTextContent('1 record');
    expect(leo).not.toHaveAttribute('aria-current');
  });

  it('selects a person on click', async () => {
    const onselect = vi.fn();
    render(PersonSwitcher, { people, selectedId: 1, onselect, onchanged: vi.fn() });
    await fireEvent.click(screen.getByTestId('person-7'));
    expect(onselect).toHaveBeenCalledWith(7);
  });

  it('adds a person', async () => {
    vi.mocked(api.addPerson).mockResolvedValueOnce({ id: 9, name: 'Mia', birthDate: '', records: 0 });
    const onchanged = vi.fn();
    render(PersonSwitcher, { people, selectedId: 1, onselect: vi.fn(), onchanged });
    await fireEvent.click(screen.getByTestId('add-person'));
    const input = await screen.findByTestId('person-name-input');
    await fireEvent.input(input, { target: { value: '  Mia ' } });
    await fireEvent.click(screen.getByTestId('person-name-save'));
    await waitFor(() => expect(onchanged).toHaveBeenCalledWith({ id: 9, name: 'Mia', birthDate: '', records: 0 }));
    expect(api.addPerson).toHaveBeenCalledWith('Mia');
    expect(screen.queryByTestId('person-dialog')).toBeNull();
  });

  it('renames the selected person', async () => {
    vi.mocked(api.renamePerson).mockResolvedValueOnce(undefined);
    const onchanged = vi.fn();
    render(PersonSwitcher, { people, selectedId: 1, onselect: vi.fn(), onchanged });
    await fireEvent.click(screen.getByTestId('rename-person'));
    const input = (await screen.findByTestId('person-name-input')) as HTMLInputElement;
    expect(input.value).toBe('Ana Ruiz');
    await fireEvent.input(input, { target: { value: 'Ana María Ruiz' } });
    await fireEvent.click(screen.getByTestId('person-name-save'));
    await waitFor(() => expect(onchanged).toHaveBeenCalled());
    expect(api.renamePerson).toHaveBeenCalledWith(1, 'Ana María Ruiz');
  });

  it('asks before removing, stating how many records will be deleted', async () => {
    vi.mocked(api.removePerson).mockResolvedValueOnce(undefined);
    const onchanged = vi.fn();
    render(PersonSwitcher, { people, selectedId: 1, onselect: vi.fn(), onchanged });
    await fireEvent.click(screen.getByTestId('remove-person'));
    const dialog = await screen.findByTestId('remove-dialog');
    expect(within(dialog).getByTestId('remove-summary')).toHaveTextContent('1,234 records');
    expect(api.removePerson).not.toHaveBeenCalled();
    await fireEvent.click(within(dialog).getByTestId('remove-confirm'));
    await waitFor(() => expect(onchanged).toHaveBeenCalled());
    expect(api.removePerson).toHaveBeenCalledWith(1);
  });

  it('closes the remove dialog with Escape without deleting', async () => {
    render(PersonSwitcher, { people, selectedId: 1, onselect: vi.fn(), onchanged: vi.fn() });
    await fireEvent.click(screen.getByTestId('remove-person'));
    const dialog = await screen.findByTestId('remove-dialog');
    await fireEvent.keyDown(dialog, { key: 'Escape' });
    expect(screen.queryByTestId('remove-dialog')).toBeNull();
    expect(api.removePerson).not.toHaveBeenCalled();
  });
});

describe('PersonSwitcher on a household page', () => {
  it('shows nobody as current and no Rename/Remove when no one is selected', () => {
    render(PersonSwitcher, { people, selectedId: null, onselect: vi.fn(), onchanged: vi.fn() });
    for (const id of ['person-1', 'person-7']) expect(screen.getByTestId(id)).not.toHaveAttribute('aria-current');
    expect(screen.queryByTestId('rename-person')).toBeNull();
  });
});
