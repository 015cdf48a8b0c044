import { fireEvent, render, screen } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('../../lib/api', async (importOriginal) => {
  const { withRealErrors } = await import('../../test/api-mock');
  return withRealErrors(importOriginal, { recordForms: vi.fn(), addRecord: vi.fn() });
});

import * as api from '../../lib/api';
import AddRecordDialog from './AddRecordDialog.svelte';

const forms = {
  kinds: ['condition', 'medication', 'allergy', 'immunization', 'vital', 'lab', 'procedure', 'note', 'family-history'],
  vitals: [
    { name: 'blood-pressure', label: 'Blood pressure', code: '85354-9', units: ['mm[Hg]'] },
    { name: 'weight', label: 'Weight', code: '29463-7', units: ['kg', '[lb_av]'] },
  ],
  relationships: ['mother', 'father'],
};

beforeEach(() => {
  vi.mocked(api.recordForms).mockReset().mockResolvedValue(forms as never);
  vi.mocked(api.addRecord).mockReset();
});

describe('AddRecordDialog', () => {
  it('shows what Go refused at each field, and keeps nothing', async () => {
    const onsaved = vi.fn();
    vi.mocked(api.addRecord).mockResolvedValueOnce({
      id: 0,
      version: 0,
      problems: [
        { field: 'date', reason: 'this is not a date on the calendar: use a date like 2024-03-09' },
        { field: 'display', reason: 'say what it is, in your own words' },
      ],
    } as never);
    render(AddRecordDialog, { personId: 3, personName: 'Ana', onclose: vi.fn(), onsaved });
    await fireEvent.input(await screen.findByTestId('add-date'), { target: { value: '2024-02-30' } });
    await fireEvent.click(screen.getByTestId('add-record-save'));
    expect(await screen.findByTestId('problem-date')).toHaveTextContent('This is not a date on the calendar');
    expect(screen.getByTestId('problem-display')).toHaveTextContent('Say what it is');
    expect(screen.getByTestId('add-date')).toHaveAttribute('aria-invalid', 'true');
    expect(onsaved).not.toHaveBeenCalled();
  });

  it('sends a blood pressure reading with both numbers in its own unit', async () => {
    const onsaved = vi.fn();
    vi.mocked(api.addRecord).mockResolvedValueOnce({ id: 41, version: 1, problems: [] } as never);
    render(AddRecordDialog, { personId: 3, personName: 'Ana', onclose: vi.fn(), onsaved });
    await fireEvent.click(await screen.findByTestId('kind-vital'));
    await fireEvent.input(screen.getByTestId('add-value'), { target: { value: '128' } });
    await fireEvent.input(screen.getByTestId('add-value2'), { target: { value: '82' } });
    await fireEvent.click(screen.getByTestId('add-record-save'));
    await vi.waitFor(() => expect(onsaved).toHaveBeenCalledWith(41));
    const [person, entry] = vi.mocked(api.addRecord).mock.calls[0];
    expect(person).toBe(3);
    expect(entry).toMatchObject({ kind: 'vital', vital: 'blood-pressure', value: 128, value2: 82, unit: 'mm[Hg]' });
  });

  it('refuses a number it cannot read before asking Go', async () => {
    render(AddRecordDialog, { personId: 3, personName: 'Ana', onclose: vi.fn(), onsaved: vi.fn() });
    await fireEvent.click(await screen.findByTestId('kind-lab'));
    await fireEvent.input(screen.getByTestId('add-value'), { target: { value: 'lots' } });
    await fireEvent.click(screen.getByTestId('add-record-save'));
    expect(await screen.findByTestId('problem-value')).toHaveTextContent('Type a number');
    expect(api.addRecord).not.toHaveBeenCalled();
  });
});
