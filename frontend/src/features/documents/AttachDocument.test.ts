import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('../../lib/api', async (importOriginal) => {
  const { withRealErrors } = await import('../../test/api-mock');
  return withRealErrors(importOriginal, {
    documents: vi.fn(),
    documentKinds: vi.fn(),
    timeline: vi.fn(),
    attachFile: vi.fn(),
    attachPaths: vi.fn(),
  });
});

import * as api from '../../lib/api';
import { records } from '../../lib/wire';
import Documents from './Documents.svelte';
import { offerDrop } from './droptarget';

const KINDS = [
  records.DocKind.LabReport,
  records.DocKind.VaccineCard,
  records.DocKind.DischargePapers,
  records.DocKind.InsuranceCard,
  records.DocKind.Other,
];

const visit = {
  id: 42,
  resourceType: 'Encounter',
  date: '2024-03-09',
  display: 'Check-up',
} as records.TimelineItem;

function pick(file: File) {
  const input = screen.getByTestId('attach-file') as HTMLInputElement;
  Object.defineProperty(input, 'files', { value: [file], configurable: true });
  return fireEvent.change(input);
}

async function openDialog() {
  render(Documents, { personId: 3, personName: 'Ana Ruiz', onopen: vi.fn(), onimport: vi.fn() });
  await fireEvent.click(await screen.findByTestId('documents-add'));
  return screen.findByTestId('attach-form');
}

beforeEach(() => {
  vi.mocked(api.documents).mockReset().mockResolvedValue([]);
  vi.mocked(api.documentKinds).mockReset().mockResolvedValue(KINDS);
  vi.mocked(api.timeline).mockReset().mockResolvedValue({ items: [visit] } as unknown as records.TimelinePage);
  vi.mocked(api.attachFile).mockReset();
  vi.mocked(api.attachPaths).mockReset();
});

describe('Add a document', () => {
  it('sends the picked file (base64) with its title, kind, visit and location choice, then lists again', async () => {
    vi.mocked(api.attachFile).mockResolvedValue({ id: 99, fileName: 'card.png', problems: [] } as never);
    await openDialog();
    await pick(new File([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], 'card.png', { type: 'image/png' }));
    expect(screen.getByTestId('attach-file-name')).toHaveTextContent('card.png');
    await fireEvent.input(screen.getByTestId('attach-title'), { target: { value: ' Vaccine card ' } });
    await fireEvent.change(screen.getByTestId('attach-kind'), { target: { value: records.DocKind.VaccineCard } });
    // Visits are offered once listed; the one chosen goes with the file.
    const sel = (await screen.findByTestId('attach-visit')) as HTMLSelectElement;
    expect(sel.options).toHaveLength(2);
    await fireEvent.change(sel, { target: { value: '42' } });
    await fireEvent.click(screen.getByTestId('attach-strip-location')); // on by default: now off
    await fireEvent.click(screen.getByTestId('attach-save'));

    await waitFor(() => expect(api.attachFile).toHaveBeenCalledTimes(1));
    const [pid, name, b64, meta] = vi.mocked(api.attachFile).mock.calls[0];
    expect(pid).toBe(3);
    expect(name).toBe('card.png');
    expect(b64).toBe(btoa('\x89PNG'));
    expect(meta).toEqual({ title: 'Vaccine card', date: '', kind: 'vaccine-card', visitId: 42, stripLocation: false });
    // The dialog closes and the list is read again.
    await waitFor(() => expect(screen.queryByTestId('attach-form')).not.toBeInTheDocument());
    expect(screen.getByTestId('documents-added')).toBeInTheDocument();
    await waitFor(() => expect(api.documents).toHaveBeenCalledTimes(2));
  });

  it('shows what Go refused at each field, and keeps the dialog open', async () => {
    vi.mocked(api.attachFile).mockResolvedValue({
      id: 0,
      fileName: 'setup.pdf',
      problems: [
        { field: 'file', reason: 'this is not a photo, scan or PDF: add a PDF, JPEG, PNG or WebP file' },
        { field: 'date', reason: 'this date is in the future' },
      ],
    } as never);
    await openDialog();
    await pick(new File(['MZ'], 'setup.pdf'));
    await fireEvent.input(screen.getByTestId('attach-date'), { target: { value: '2999' } });
    await fireEvent.click(screen.getByTestId('attach-save'));

    expect(await screen.findByTestId('attach-problem-file')).toHaveTextContent('This is not a photo, scan or PDF');
    expect(screen.getByTestId('attach-problem-date')).toHaveTextContent('This date is in the future.');
    expect(screen.getByTestId('attach-date')).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByTestId('attach-problems')).toBeInTheDocument();
    expect(screen.getByTestId('attach-form')).toBeInTheDocument();
    expect(api.documents).toHaveBeenCalledTimes(1);
  });

  it('asks for a file, and refuses one over 25 MB without reading it', async () => {
    await openDialog();
    await fireEvent.click(screen.getByTestId('attach-save'));
    expect(await screen.findByTestId('attach-problem-file')).toHaveTextContent('Choose a photo, scan or PDF.');

    const big = new File(['%PDF-'], 'scan.pdf');
    Object.defineProperty(big, 'size', { value: 30 * 1024 * 1024 });
    await pick(big);
    expect(screen.getByTestId('attach-problem-file')).toHaveTextContent('larger than 25 MB');
    await fireEvent.click(screen.getByTestId('attach-save'));
    expect(api.attachFile).not.toHaveBeenCalled();
  });

  it('keeps a file dropped on the window while open (by path), instead of importing it', async () => {
    vi.mocked(api.attachPaths).mockResolvedValue([{ id: 7, fileName: 'letter.pdf', problems: [] }] as never);
    await openDialog();
    expect(offerDrop(['/home/ana/letter.pdf'])).toBe(true);
    expect(await screen.findByTestId('attach-file-name')).toHaveTextContent('letter.pdf');
    await fireEvent.click(screen.getByTestId('attach-save'));
    await waitFor(() => expect(api.attachPaths).toHaveBeenCalledWith(3, ['/home/ana/letter.pdf'], expect.objectContaining({ kind: 'other', stripLocation: true })));
    await waitFor(() => expect(screen.queryByTestId('attach-form')).not.toBeInTheDocument());
    // Closed: window drops are the shell's (an import) again.
    expect(offerDrop(['/home/ana/other.json'])).toBe(false);
  });
});
