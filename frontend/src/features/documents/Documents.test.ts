import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('../../lib/api', async (importOriginal) => {
  const { withRealErrors } = await import('../../test/api-mock');
  const real = await importOriginal<typeof import('../../lib/api')>();
  return {
    ...(await withRealErrors(importOriginal, {
      documents: vi.fn(),
      documentContent: vi.fn(),
      documentHTML: vi.fn(),
      saveDocument: vi.fn(),
    })),
    documentUrl: real.documentUrl,
  };
});

// pdf.js itself is not run in jsdom (no canvas, no worker): its display API is
// replaced by a fake document, so what is tested here is the app's use of it —
// the options it is opened with, the page it asks for, the zoom it renders at.
// The real rendering is checked in the browser end-to-end test.
const pdfjs = vi.hoisted(() => {
  const render = vi.fn(() => ({ promise: Promise.resolve(), cancel: vi.fn() }));
  const getPage = vi.fn(async (_n: number) => ({
    getViewport: ({ scale }: { scale: number }) => ({ width: 600 * scale, height: 800 * scale }),
    render,
  }));
  const doc = { numPages: 3, getPage, loadingTask: { destroy: vi.fn(async () => {}) } };
  const getDocument = vi.fn((_src: Record<string, unknown>) => ({ promise: Promise.resolve(doc) }));
  return { GlobalWorkerOptions: { workerSrc: '' }, getDocument, getPage, render, doc };
});
vi.mock('pdfjs-dist', () => ({ GlobalWorkerOptions: pdfjs.GlobalWorkerOptions, getDocument: pdfjs.getDocument }));

import * as api from '../../lib/api';
import Documents from './Documents.svelte';
import type { records } from '../../lib/wire';

function doc(over: Partial<records.Document>): records.Document {
  return {
    id: 1,
    resource: 10,
    resourceType: 'DocumentReference',
    title: 'Discharge summary',
    kind: 'Discharge summary',
    contentType: 'application/pdf',
    format: 'pdf',
    renderable: true,
    size: 2048,
    date: '2021-03-12',
    source: 'Mercy Hospital',
    inline: false,
    ...over,
  } as records.Document;
}

const base = { personId: 1, personName: 'Ana Ruiz', onimport: vi.fn() };

function b64(s: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(s)));
}

/** Renders the view with a document open, the way the shell does after a row click. */
async function openDoc(d: records.Document) {
  vi.mocked(api.documents).mockResolvedValue([d]);
  const onopen = vi.fn();
  render(Documents, { ...base, openId: d.id, onopen });
  return { viewer: await screen.findByTestId('document-viewer'), onopen };
}

beforeEach(() => {
  vi.mocked(api.documents).mockReset();
  vi.mocked(api.documentContent).mockReset();
  vi.mocked(api.documentHTML).mockReset();
  vi.mocked(api.saveDocument).mockReset();
  pdfjs.getDocument.mockClear();
  pdfjs.getPage.mockClear();
  pdfjs.render.mockClear();
});
// The side effect a payload would have. Inline handlers run in jsdom's own
// window (vitest's runScripts: 'dangerously'), whose globals are not this
// module's globalThis, so the payloads write to the shared DOM instead.
const pwned = () => document.body.dataset.pwned;
afterEach(() => {
  delete document.body.dataset.pwned;
});

describe('Documents list', () => {
  it('shows a loading state, then each document with title, kind, date, size and source', async () => {
    let resolve!: (v: records.Document[]) => void;
    vi.mocked(api.documents).mockReturnValue(new Promise((r) => (resolve = r)));
    const onopen = vi.fn();
    render(Documents, { ...base, onopen });
    expect(screen.getByText(/Loading documents/)).toBeInTheDocument();

    resolve([
      doc({ id: 7, title: 'Discharge summary – March', kind: 'Discharge summary', date: '2021-03-01', size: 1536 * 1024 }),
      doc({ id: 8, title: 'CBC', kind: 'Lab report', format: 'text', date: '2020-12-31T23:30:00Z', size: 512, source: 'Quest' }),
    ]);
    const rows = await screen.findAllByTestId('document-row');
    expect(screen.getByTestId('documents-list')).toBeInTheDocument();
    expect(screen.queryByText(/Loading documents/)).not.toBeInTheDocument();
    expect(rows).toHaveLength(2);
    const first = within(rows[0]);
    expect(first.getByText('Discharge summary – March')).toBeInTheDocument();
    expect(first.getByText('Discharge summary')).toBeInTheDocument();
    expect(first.getByText('1.5 MB')).toBeInTheDocument();
    expect(first.getByText('Mercy Hospital')).toBeInTheDocument();
    // A date-only value is the day it says, in any time zone (no UTC→local shift to Feb 28).
    expect(rows[0].querySelector('.date')!.textContent).toBe(
      new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' }).format(new Date(Date.UTC(2021, 2, 1))),
    );
    expect(within(rows[1]).getByText('Lab report')).toBeInTheDocument();
    expect(within(rows[1]).getByText('512 B')).toBeInTheDocument();

    await fireEvent.click(first.getByRole('button', { name: 'Discharge summary – March' }));
    expect(onopen).toHaveBeenCalledWith(7);
  });

  it('says what to do when a person has no documents', async () => {
    vi.mocked(api.documents).mockResolvedValue([]);
    const onimport = vi.fn();
    const onconnect = vi.fn();
    render(Documents, { ...base, onimport, onconnect, onopen: vi.fn() });
    const empty = await screen.findByTestId('documents-empty');
    expect(empty).toHaveTextContent('No documents for Ana Ruiz yet');
    expect(empty).toHaveTextContent(/Import the file you downloaded from your patient portal, or connect a portal/);
    await fireEvent.click(within(empty).getByRole('button', { name: 'Import records' }));
    expect(onimport).toHaveBeenCalled();
    await fireEvent.click(within(empty).getByRole('button', { name: 'Connect a portal' }));
    expect(onconnect).toHaveBeenCalled();
    expect(screen.queryByTestId('documents-list')).not.toBeInTheDocument();
  });

  it("shows Go's message when the list cannot be read", async () => {
    vi.mocked(api.documents).mockRejectedValue(new api.ApiError({ kind: 'internal' as never, message: 'The vault could not be read.' }));
    render(Documents, { ...base, onopen: vi.fn() });
    expect(await screen.findByRole('alert')).toHaveTextContent('The vault could not be read.');
    expect(screen.queryByTestId('documents-empty')).not.toBeInTheDocument();
  });
});

describe('Document viewer', () => {
  it('renders a PDF with pdf.js from /doc/<id>, page by page, with zoom', async () => {
    await openDoc(doc({ id: 42, format: 'pdf' }));
    await waitFor(() => expect(pdfjs.render).toHaveBeenCalledTimes(1));
    const opts = pdfjs.getDocument.mock.calls[0][0];
    expect(opts).toMatchObject({ url: '/doc/42', enableXfa: false, useWasm: false });
    // Decoders and fonts come from the app's own origin (frontend/pdfassets.ts ships them there).
    expect(opts.wasmUrl).toBe(new URL('/pdfjs/wasm/', document.baseURI).href);
    expect(opts.standardFontDataUrl).toBe(new URL('/pdfjs/standard_fonts/', document.baseURI).href);
    expect(opts).not.toHaveProperty('data');
    // The worker is a same-origin asset Vite emits, not a CDN or blob: URL.
    expect(pdfjs.GlobalWorkerOptions.workerSrc).toMatch(/pdf\.worker\.min\.mjs/);
    expect(pdfjs.GlobalWorkerOptions.workerSrc).not.toMatch(/^(blob:|https?:)/);

    const canvas = screen.getByTestId('document-pdf-page');
    if (!(canvas instanceof HTMLCanvasElement)) throw new Error('the page is not a canvas');
    expect(pdfjs.getPage).toHaveBeenLastCalledWith(1);
    const firstCall = pdfjs.render.mock.calls[0] as unknown as [{ canvas: HTMLCanvasElement; viewport: { width: number } }];
    expect(firstCall[0].canvas).toBe(canvas);
    expect(screen.getByTestId('pdf-page-number')).toHaveTextContent('Page 1 of 3');
    expect(screen.getByTestId('pdf-prev')).toBeDisabled();

    await fireEvent.click(screen.getByTestId('pdf-next'));
    await waitFor(() => expect(pdfjs.getPage).toHaveBeenLastCalledWith(2));
    expect(screen.getByTestId('pdf-page-number')).toHaveTextContent('Page 2 of 3');
    await fireEvent.click(screen.getByTestId('pdf-next'));
    await waitFor(() => expect(pdfjs.getPage).toHaveBeenLastCalledWith(3));
    expect(screen.getByTestId('pdf-next')).toBeDisabled();

    const widthAt100 = canvas.width;
    await fireEvent.click(screen.getByTestId('pdf-zoom-in'));
    await waitFor(() => expect(screen.getByTestId('pdf-zoom')).toHaveTextContent('125 %'));
    await waitFor(() => expect(canvas.width).toBe(Math.floor(widthAt100 * 1.25)));
    await fireEvent.click(screen.getByTestId('pdf-prev'));
    await waitFor(() => expect(pdfjs.getPage).toHaveBeenLastCalledWith(2));
  });

  it('falls back to DocumentContent when /doc/<id> cannot be fetched', async () => {
    pdfjs.getDocument.mockImplementationOnce(() => ({ promise: Promise.reject(new Error('Unexpected server response (403)')) }));
    vi.mocked(api.documentContent).mockResolvedValue(btoa('%PDF-1.7 fake'));
    await openDoc(doc({ id: 5, format: 'pdf' }));
    await waitFor(() => expect(pdfjs.getDocument).toHaveBeenCalledTimes(2));
    expect(api.documentContent).toHaveBeenCalledWith(5);
    const second = pdfjs.getDocument.mock.calls[1][0] as { data: Uint8Array };
    expect(new TextDecoder().decode(second.data)).toBe('%PDF-1.7 fake');
    await waitFor(() => expect(pdfjs.render).toHaveBeenCalled());
  });

  it('shows an image from /doc/<id>', async () => {
    await openDoc(doc({ id: 9, format: 'image', title: 'Chest X-ray', contentType: 'image/png' }));
    const img = screen.getByTestId('document-image');
    expect(img).toHaveAttribute('src', '/doc/9');
    expect(img).toHaveAttribute('alt', 'Chest X-ray');
    expect(api.documentContent).not.toHaveBeenCalled();
  });

  it('shows plain text as text, UTF-8 decoded, markup and all', async () => {
    vi.mocked(api.documentContent).mockResolvedValue(b64('Dr. Müller: <b>no</b> change\nline two'));
    await openDoc(doc({ id: 3, format: 'text', contentType: 'text/plain' }));
    const pre = await screen.findByTestId('document-text');
    expect(pre.tagName).toBe('PRE');
    expect(pre.textContent).toBe('Dr. Müller: <b>no</b> change\nline two');
    expect(pre.querySelector('b')).toBeNull();
    // It scrolls inside its box: a named region keyboard users can Tab to.
    expect(pre).toHaveAttribute('tabindex', '0');
    expect(screen.getByRole('region', { name: 'Document text' })).toBe(pre);
  });

  it.each(['html', 'ccda'])('shows a %s document from DocumentHTML', async (format) => {
    vi.mocked(api.documentHTML).mockResolvedValue('<h2>Problems</h2><table><tr><td colspan="2">Asthma</td></tr></table>');
    await openDoc(doc({ id: 4, format, contentType: format === 'html' ? 'text/html' : 'application/xml' }));
    const box = await screen.findByTestId('document-html');
    await waitFor(() => expect(box).toHaveTextContent('Asthma'));
    expect(api.documentHTML).toHaveBeenCalledWith(4);
    expect(box.querySelector('h2')).toHaveTextContent('Problems');
    expect(box.querySelector('td')).toHaveAttribute('colspan', '2');
  });

  it('the side-effect probe sees a handler that runs (so the next test can fail)', () => {
    const probe = document.createElement('div');
    document.body.append(probe);
    probe.innerHTML = `<p onclick="document.body.dataset.pwned='probe'">x</p>`;
    probe.querySelector('p')!.click();
    expect(pwned()).toBe('probe');
    probe.remove();
  });

  it('runs nothing an HTML document carries, and shows its text', async () => {
    // As if Go's sanitiser had let everything through: the page must still run nothing.
    const payload = [
      `<p id="p1" onclick="document.body.dataset.pwned='1'">Take with food</p>`,
      `<script>document.body.dataset.pwned='2'</script>`,
      `<img src="x" onerror="document.body.dataset.pwned='3'">`,
      `<svg onload="document.body.dataset.pwned='4'"><text>svg</text></svg>`,
      `<a href="javascript:document.body.dataset.pwned='5'" id="lnk">Open chart</a>`,
      `<iframe srcdoc="<script>parent.document.body.dataset.pwned='6'</script>"></iframe>`,
      `<div style="background:url(https://evil.example/x)" onmouseover="document.body.dataset.pwned='7'">Allergy: penicillin</div>`,
    ].join('');
    vi.mocked(api.documentHTML).mockResolvedValue(payload);
    await openDoc(doc({ id: 11, format: 'html', contentType: 'text/html' }));
    const box = await screen.findByTestId('document-html');
    await waitFor(() => expect(box).toHaveTextContent('Take with food'));
    expect(box).toHaveTextContent('Allergy: penicillin');
    expect(box).toHaveTextContent('Open chart');

    // Give any handler its chance: click, hover, let load/error events fire.
    await fireEvent.click(box.querySelector('p')!);
    await fireEvent.mouseOver(screen.getByText('Allergy: penicillin'));
    await fireEvent.click(screen.getByText('Open chart'));
    await new Promise((r) => setTimeout(r, 20));
    expect(pwned()).toBeUndefined();

    expect(box.querySelectorAll('script, img, svg, iframe, a, [style]')).toHaveLength(0);
    for (const el of box.querySelectorAll('*')) {
      expect([...el.attributes].map((a) => a.name).filter((n) => n.startsWith('on'))).toEqual([]);
    }
  });

  it('offers a file Fasten cannot show for saving', async () => {
    await openDoc(doc({ id: 12, format: 'other', renderable: false, contentType: 'application/dicom' }));
    expect(screen.getByTestId('document-unsupported')).toHaveTextContent('Save it to open it with another program');
    expect(api.documentContent).not.toHaveBeenCalled();
    expect(api.documentHTML).not.toHaveBeenCalled();
    expect(pdfjs.getDocument).not.toHaveBeenCalled();
  });

  it('saves through SaveDocument and says where; a cancelled dialog says nothing', async () => {
    vi.mocked(api.saveDocument).mockResolvedValueOnce('Saved /home/ana/summary.pdf').mockResolvedValueOnce('');
    const { onopen } = await openDoc(doc({ id: 21, format: 'image' }));
    await fireEvent.click(screen.getByTestId('document-save'));
    expect(api.saveDocument).toHaveBeenCalledWith(21);
    expect(await screen.findByTestId('document-saved')).toHaveTextContent('Saved /home/ana/summary.pdf');
    await fireEvent.click(screen.getByTestId('document-save'));
    await waitFor(() => expect(screen.queryByTestId('document-saved')).not.toBeInTheDocument());

    await fireEvent.click(screen.getByTestId('document-back'));
    expect(onopen).toHaveBeenCalledWith(undefined);
  });
});
