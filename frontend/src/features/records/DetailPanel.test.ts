import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('../../lib/api', async (importOriginal) => {
  const { withRealErrors } = await import('../../test/api-mock');
  return withRealErrors(importOriginal, {
    detail: vi.fn(),
    detailVersion: vi.fn(),
    recordMark: vi.fn(),
    setRecordNote: vi.fn(),
    setRecordHidden: vi.fn(),
    deleteRecord: vi.fn(),
    recordEntry: vi.fn(),
    recordForms: vi.fn(),
    editRecord: vi.fn(),
  });
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

const item = (id: number, resourceType: string, display: string, extra: Partial<records.Item> = {}) =>
  ({ id, resourceType, date: '', dateEnd: '', category: '', codeSystem: '', code: '', display, valueNum: null, valueText: '', unit: '', status: '', source: 'file', ...extra }) as records.Item;

const current = { version: 1, received: '2024-01-01T10:00:00Z', superseded: '', current: true, file: 'ana.json', lastUpdated: '' };

function detail(raw: object, more: Partial<records.Detail> = {}, id = 5): records.Detail {
  return {
    item: item(id, raw['resourceType' as keyof object], 'Ana Ruiz'),
    fields: [],
    narrative: '',
    raw: JSON.stringify(raw, null, 2),
    received: '2024-01-01T10:00:00Z',
    versions: 1,
    source: 'Imported files',
    sourceKind: 'file',
    file: 'ana.json',
    references: {},
    results: [],
    visit: [],
    history: [current],
    ...more,
  } as unknown as records.Detail;
}

beforeEach(() => {
  vi.mocked(api.recordMark).mockReset().mockResolvedValue({ hidden: false, deleted: false, note: '' });
  vi.mocked(api.setRecordNote).mockReset().mockResolvedValue();
  vi.mocked(api.setRecordHidden).mockReset().mockResolvedValue();
  vi.mocked(api.deleteRecord).mockReset().mockResolvedValue();
  vi.mocked(api.recordEntry).mockReset();
  vi.mocked(api.editRecord).mockReset();
  vi.mocked(api.detail).mockReset();
  vi.mocked(api.detailVersion).mockReset();
});

describe('DetailPanel', () => {
  it('labels fields in plain words and masks the SSN until Reveal', async () => {
    vi.mocked(api.detail).mockResolvedValueOnce(detail(patient, { fields: [{ label: 'Multiple birth boolean', value: 'no' }] }));
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

  it('names references from Go\'s map by their reference string, not by field labels', async () => {
    vi.mocked(api.detail).mockResolvedValueOnce(
      detail(
        { resourceType: 'MedicationRequest', status: 'active', medicationCodeableConcept: { text: 'Lisinopril' }, requester: { reference: 'Practitioner/pr1' } },
        // Go's own field says something else under the element's name: the page must not use it.
        { references: { 'Practitioner/pr1': 'Dr. Jane Ng' }, fields: [{ label: 'Requester', value: 'Someone Else' }] },
      ),
    );
    render(DetailPanel, { id: 7, onclose: vi.fn() });
    const fields = await screen.findByTestId('detail-fields');
    expect(fields).toHaveTextContent('Prescribed by Dr. Jane Ng');
    expect(fields).not.toHaveTextContent('Someone Else');
  });

  it("shows a panel's results as a table; a row opens that result, Back returns", async () => {
    const report = detail(
      { resourceType: 'DiagnosticReport', code: { text: 'Complete blood count' } },
      {
        results: [
          { id: 11, display: 'Hemoglobin', code: '718-7', value: '13.50', comparator: '', unit: 'g/dL', flag: 'L', rangeLow: '14.0', rangeHigh: '18.0', rangeUnit: 'g/dL', rangeText: '' },
          { id: 12, display: 'Heart rate', code: '8867-4', value: '72', comparator: '', unit: '/min', flag: '', rangeLow: '', rangeHigh: '', rangeUnit: '', rangeText: '' },
          { id: 0, display: 'Sodium', code: '', value: '', comparator: '', unit: '', flag: '', rangeLow: '', rangeHigh: '', rangeUnit: '', rangeText: '' },
        ],
      },
      5,
    );
    vi.mocked(api.detail).mockImplementation(async (id) =>
      id === 11 ? detail({ resourceType: 'Observation', code: { text: 'Hemoglobin' } }, {}, 11) : report,
    );
    render(DetailPanel, { id: 5, onclose: vi.fn() });
    const rows = await screen.findAllByTestId('panel-result');
    expect(rows).toHaveLength(3);
    expect(rows[0]).toHaveTextContent('Hemoglobin');
    expect(rows[0]).toHaveTextContent('13.50 g/dL');
    expect(rows[0]).toHaveTextContent('Low');
    expect(rows[0]).toHaveTextContent('14.0–18.0 g/dL');
    expect(rows[1]).toHaveTextContent('72 beats/min');
    expect(within(rows[1]).queryByTestId('panel-flag')).toBeNull();
    // Not in the vault: named, not a button.
    expect(within(rows[2]).queryByRole('button')).toBeNull();

    await fireEvent.click(within(rows[0]).getByRole('button', { name: 'Hemoglobin' }));
    expect(api.detail).toHaveBeenLastCalledWith(11);
    // Keyboard focus follows to the new page's Back button.
    expect(await screen.findByTestId('detail-back')).toHaveFocus();
    expect(screen.queryAllByTestId('panel-result')).toHaveLength(0);
    await fireEvent.click(screen.getByTestId('detail-back'));
    expect(api.detail).toHaveBeenLastCalledWith(5);
    expect(await screen.findAllByTestId('panel-result')).toHaveLength(3);
    expect(screen.queryByTestId('detail-back')).toBeNull();
  });

  it('lists what happened during a visit under plain headings; an item opens its detail', async () => {
    vi.mocked(api.detail).mockImplementation(async (id) =>
      id === 5
        ? detail(
            { resourceType: 'Encounter', type: [{ text: 'General examination' }] },
            {
              visit: [
                { kind: 'diagnoses', title: 'Diagnoses', total: 1, items: [item(21, 'Condition', 'Hypertension')] },
                {
                  kind: 'results',
                  title: 'Results and measurements',
                  total: 4,
                  items: [item(22, 'Observation', 'Body weight', { valueNum: 70.5, unit: 'kg' }), item(23, 'Observation', 'Body height')],
                },
              ] as unknown as records.VisitSection[],
            },
          )
        : detail({ resourceType: 'Condition', code: { text: 'Hypertension' } }, {}, id),
    );
    render(DetailPanel, { id: 5, onclose: vi.fn() });
    const sections = await screen.findAllByTestId('visit-section');
    expect(sections).toHaveLength(2);
    expect(within(sections[0]).getByRole('heading')).toHaveTextContent('Diagnoses (1)');
    expect(within(sections[1]).getByRole('heading')).toHaveTextContent('Results and measurements (4)');
    expect(sections[1]).toHaveTextContent('70.5 kg');
    expect(sections[1]).toHaveTextContent('and 2 more records not listed here');
    expect(screen.getByTestId('detail-panel')).not.toHaveTextContent(/Condition|Observation\b/);
    await fireEvent.click(within(sections[0]).getByTestId('visit-item'));
    expect(api.detail).toHaveBeenLastCalledWith(21);
  });

  it('says where the record came from, and shows an earlier version when chosen', async () => {
    const obs = (v: string) => ({ resourceType: 'Observation', code: { text: 'Glucose' }, valueQuantity: { value: Number(v), unit: 'mg/dL' } });
    vi.mocked(api.detail).mockResolvedValueOnce(
      detail(obs('104'), {
        versions: 2,
        file: 'february.json',
        history: [
          { ...current, version: 2, file: 'february.json', received: '2024-02-01T10:00:00Z' },
          { version: 1, received: '2024-01-01T10:00:00Z', superseded: '2024-02-01T10:00:00Z', current: false, file: 'january.json', lastUpdated: '' },
        ],
      }),
    );
    vi.mocked(api.detailVersion).mockResolvedValueOnce({
      version: { version: 1, received: '2024-01-01T10:00:00Z', superseded: '2024-02-01T10:00:00Z', current: false, file: 'january.json', lastUpdated: '' },
      fields: [],
      narrative: '',
      raw: JSON.stringify(obs('98')),
      references: {},
    } as unknown as records.VersionDetail);
    render(DetailPanel, { id: 5, onclose: vi.fn() });
    expect(await screen.findByTestId('detail-source')).toHaveTextContent('Imported from the file february.json');
    const versions = screen.getByTestId('detail-versions');
    const earlier = within(versions).getAllByTestId('detail-version');
    expect(earlier).toHaveLength(1);
    expect(earlier[0]).toHaveTextContent('january.json');
    await fireEvent.click(earlier[0]);
    expect(api.detailVersion).toHaveBeenCalledWith(5, 1);
    const old = await screen.findByTestId('version-fields');
    expect(old).toHaveTextContent('Result 98 mg/dL');
    expect(screen.getByTestId('detail-fields')).toHaveTextContent('Result 104 mg/dL');
  });

  it('names the other providers holding the same fact, and opens their record', async () => {
    const obs = { resourceType: 'Observation', code: { text: 'Glucose' }, valueQuantity: { value: 104, unit: 'mg/dL' } };
    vi.mocked(api.detail)
      .mockResolvedValueOnce(detail(obs, { alsoFrom: [{ id: 9, source: 'City Clinic', date: '2024-02-01' }] } as Partial<records.Detail>))
      .mockResolvedValueOnce(detail(obs, { sourceKind: 'connection', source: 'City Clinic', file: '' }, 9));
    render(DetailPanel, { id: 5, onclose: vi.fn() });
    const also = await screen.findByTestId('detail-also-from');
    expect(also).toHaveTextContent('City Clinic');
    await fireEvent.click(within(also).getByRole('button', { name: 'City Clinic' }));
    expect(api.detail).toHaveBeenLastCalledWith(9);
    expect(await screen.findByTestId('detail-source')).toHaveTextContent('Fetched from City Clinic');
  });

  it('says a record fetched from a provider was fetched, and that it has one version', async () => {
    vi.mocked(api.detail).mockResolvedValueOnce(detail(patient, { sourceKind: 'connection', source: 'Mercy Health', file: '' }));
    render(DetailPanel, { id: 5, onclose: vi.fn() });
    expect(await screen.findByTestId('detail-source')).toHaveTextContent('Fetched from Mercy Health');
    expect(screen.getByTestId('detail-versions')).toHaveTextContent('only version');
    expect(screen.queryAllByTestId('detail-version')).toHaveLength(0);
  });
});

describe('what the person decides about a record', () => {
  it('keeps a note of their own and hides a record from a provider, then tells the views', async () => {
    const onchanged = vi.fn();
    vi.mocked(api.recordMark).mockResolvedValueOnce({ hidden: false, deleted: false, note: '' });
    vi.mocked(api.detail).mockResolvedValueOnce(detail(patient, { sourceKind: 'connection', source: 'Mercy Health', file: '' }));
    render(DetailPanel, { id: 5, onclose: vi.fn(), onchanged });
    const box = await screen.findByTestId('detail-note');
    expect(screen.queryByTestId('detail-delete')).not.toBeInTheDocument();
    await fireEvent.input(box, { target: { value: '  Healed years ago  ' } });
    await fireEvent.click(screen.getByTestId('detail-note-save'));
    expect(api.setRecordNote).toHaveBeenCalledWith(5, '  Healed years ago  ');
    expect(await screen.findByTestId('detail-note-saved')).toBeInTheDocument();
    await fireEvent.click(screen.getByTestId('detail-hide'));
    expect(api.setRecordHidden).toHaveBeenCalledWith(5, true);
    expect(await screen.findByTestId('detail-hidden')).toBeInTheDocument();
    expect(screen.getByTestId('detail-unhide')).toBeInTheDocument();
    expect(onchanged).toHaveBeenCalledTimes(2);
  });

  it('deletes a record the person entered only once confirmed, then closes', async () => {
    const onclose = vi.fn();
    vi.mocked(api.detail).mockResolvedValueOnce(detail(patient, { sourceKind: 'entered', source: 'Entered by you', file: '' }));
    render(DetailPanel, { id: 7, onclose });
    expect(await screen.findByTestId('detail-source')).toHaveTextContent('Entered by you');
    expect(screen.queryByTestId('detail-hide')).not.toBeInTheDocument();
    await fireEvent.click(await screen.findByTestId('detail-delete'));
    expect(api.deleteRecord).not.toHaveBeenCalled();
    await fireEvent.click(screen.getByTestId('detail-delete-confirm'));
    expect(api.deleteRecord).toHaveBeenCalledWith(7);
    await vi.waitFor(() => expect(onclose).toHaveBeenCalled());
  });

  it('changes a record the person entered through the form, which opens filled in', async () => {
    const onchanged = vi.fn();
    vi.mocked(api.recordForms).mockResolvedValue({ kinds: ['condition', 'allergy'], vitals: [], relationships: ['mother'] } as never);
    vi.mocked(api.recordEntry).mockResolvedValueOnce({ kind: 'allergy', display: 'Peanuts', date: '1990', status: 'active', severity: 'severe' } as never);
    vi.mocked(api.editRecord).mockResolvedValueOnce({ id: 7, version: 2, problems: [] } as never);
    vi.mocked(api.detail).mockResolvedValue(detail(patient, { sourceKind: 'entered', source: 'Entered by you', file: '' }, 7));
    render(DetailPanel, { id: 7, onclose: vi.fn(), onchanged });
    await fireEvent.click(await screen.findByTestId('detail-edit'));
    const words = (await screen.findByTestId('add-display')) as HTMLInputElement;
    expect(words.value).toBe('Peanuts');
    expect((screen.getByTestId('kind-condition') as HTMLInputElement).disabled).toBe(true);
    await fireEvent.input(words, { target: { value: 'Peanuts and tree nuts' } });
    await fireEvent.click(screen.getByTestId('add-record-save'));
    await vi.waitFor(() => expect(api.editRecord).toHaveBeenCalled());
    const [id, entry] = vi.mocked(api.editRecord).mock.calls[0];
    expect(id).toBe(7);
    expect(entry).toMatchObject({ kind: 'allergy', display: 'Peanuts and tree nuts', date: '1990', severity: 'severe' });
    await vi.waitFor(() => expect(onchanged).toHaveBeenCalled());
    expect(screen.queryByTestId('add-record-form')).not.toBeInTheDocument();
  });

  it('shows why a decision could not be kept', async () => {
    vi.mocked(api.setRecordHidden).mockRejectedValueOnce(new api.ApiError({ kind: 'not_found' as never, message: 'That record is not in the vault.' }));
    vi.mocked(api.detail).mockResolvedValueOnce(detail(patient));
    render(DetailPanel, { id: 5, onclose: vi.fn() });
    await fireEvent.click(await screen.findByTestId('detail-hide'));
    expect(await screen.findByRole('alert')).toHaveTextContent('not in the vault');
  });
});

describe('trends from a record', () => {
  it("a result's See trend opens its test's trend; other records have none", async () => {
    const ontrend = vi.fn();
    const glucose = detail({ resourceType: 'Observation', code: { text: 'Glucose' }, valueQuantity: { value: 98, unit: 'mg/dL' } });
    glucose.item = item(5, 'Observation', 'Glucose', { valueNum: 98, unit: 'mg/dL', codeSystem: 'http://loinc.org', code: '2345-7' });
    vi.mocked(api.detail).mockResolvedValueOnce(glucose);
    const r = render(DetailPanel, { id: 5, onclose: vi.fn(), ontrend });
    await fireEvent.click(await screen.findByTestId('detail-trend'));
    expect(ontrend).toHaveBeenCalledWith('loinc:2345-7');
    r.unmount();
    vi.mocked(api.detail).mockResolvedValueOnce(detail(patient));
    render(DetailPanel, { id: 6, onclose: vi.fn(), ontrend });
    await screen.findByTestId('detail-fields');
    expect(screen.queryByTestId('detail-trend')).not.toBeInTheDocument();
  });
});

