import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';

vi.mock('../../lib/api', async (importOriginal) => {
  const { withRealErrors } = await import('../../test/api-mock');
  return withRealErrors(importOriginal, { detail: vi.fn() });
});

import * as api from '../../lib/api';
import DetailPanel from './DetailPanel.svelte';
import type { records } from '../../lib/wire';

const patient = {
  resourceType: 'Patient',
  id: 'p1',
  name: [{ given: ['Ana'], family: 'Ruiz' }],
  birthDate: '1980-02-03',
  multipleBirthBoolean: false,
  identifier: [{ system: 'http://hl7.org/fhir/sid/us-ssn', value: '999-12-6789' }],
};

function detail(raw: object, fields: records.Field[] = []): records.Detail {
  return {
    item: { id: 5, resourceType: raw['resourceType' as keyof object], date: '', dateEnd: '', category: '', codeSystem: '', code: '', display: 'Ana Ruiz', valueText: '', unit: '', status: '', source: 'file' },
    fields,
    narrative: '',
    raw: JSON.stringify(raw, null, 2),
    received: '2024-01-01T10:00:00Z',
    versions: 1,
    source: 'ana.json',
  } as unknown as records.Detail;
}

describe('DetailPanel', () => {
  it('labels fields in plain words and masks the SSN until Reveal', async () => {
    vi.mocked(api.detail).mockResolvedValueOnce(
      detail(patient, [
        { label: 'Multiple birth boolean', value: 'no' },
        { label: 'Identifier', value: '999-12-6789' },
      ]),
    );
    render(DetailPanel, { id: 5, onclose: vi.fn() });
    const fields = await screen.findByTestId('detail-fields');
    expect(fields).toHaveTextContent('Twin or multiple birth');
    expect(fields).not.toHaveTextContent('Multiple birth boolean');
    expect(fields).toHaveTextContent('Social Security number');
    expect(fields).toHaveTextContent('•••-••-6789');
    expect(fields).not.toHaveTextContent('999-12-6789');

    const reveal = screen.getByRole('button', { name: 'Reveal Social Security number' });
    expect(reveal).toHaveAttribute('aria-pressed', 'false');
    await fireEvent.click(reveal);
    expect(fields).toHaveTextContent('999-12-6789');
    const hide = screen.getByRole('button', { name: 'Hide Social Security number' });
    expect(hide).toHaveAttribute('aria-pressed', 'true');
    await fireEvent.click(hide);
    expect(fields).not.toHaveTextContent('999-12-6789');
  });

  it('keeps FHIR element names for the raw JSON only', async () => {
    vi.mocked(api.detail).mockResolvedValueOnce(
      detail({ resourceType: 'Observation', code: { text: 'Glucose' }, valueQuantity: { value: 98.28800000000001, unit: 'mg/dL' }, effectiveDateTime: '2021-03-12' }),
    );
    render(DetailPanel, { id: 6, onclose: vi.fn() });
    const fields = await screen.findByTestId('detail-fields');
    expect(fields).toHaveTextContent('Result 98.288 mg/dL');
    expect(fields).not.toHaveTextContent(/value quantity|effective date time/i);
    await fireEvent.click(screen.getByTestId('detail-raw-toggle'));
    expect(screen.getByTestId('detail-raw')).toHaveTextContent('"valueQuantity"');
  });
});
