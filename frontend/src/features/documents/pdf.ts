// The app's PDF renderer: Mozilla's pdf.js (pdfjs-dist), loaded only when a
// PDF is opened, so the rest of the app does not pay for it.
//
// Why these settings:
// - The worker is pdf.js's own worker file, emitted by Vite as a hashed
//   same-origin asset (`?url`). pdf.js creates it with `new Worker(url)`;
//   the page's CSP `script-src 'self'` (default-src 'self') already allows a
//   same-origin worker, so no `worker-src`/`blob:` is added. (pdf.js wraps
//   the worker in a blob: only for a cross-origin URL, which this is not.)
// - pdf.js 6 no longer has the `isEvalSupported` option: it removed the
//   eval/new Function font path altogether, which is what that option turned
//   off in pdf.js ≤ 5. Nothing in the worker compiles code from a PDF.
// - No scripting: only pdf.js's display API is used (no viewer, no
//   annotation layer, no pdf.scripting sandbox), so a PDF's JavaScript
//   actions are never read, let alone run. XFA forms are off.
// - No WebAssembly (useWasm: false): compiling it would need the CSP to
//   allow 'wasm-unsafe-eval'. JBIG2 and JPEG 2000 images (scans, faxes) are
//   decoded by pdf.js's JavaScript decoders instead, and the standard fonts
//   come from the app too: both are same-origin files under pdfjs/ (see
//   frontend/pdfassets.ts). No CMaps are shipped (CJK PDFs without embedded
//   CMaps show their text with fallback glyphs); no ICC colour profiles.
import type { PDFDocumentProxy } from 'pdfjs-dist';

export type PdfSource = { url: string } | { data: Uint8Array };

export async function openPdf(src: PdfSource): Promise<PDFDocumentProxy> {
  const [pdfjs, worker] = await Promise.all([import('pdfjs-dist'), import('pdfjs-dist/build/pdf.worker.min.mjs?url')]);
  if (pdfjs.GlobalWorkerOptions.workerSrc !== worker.default) pdfjs.GlobalWorkerOptions.workerSrc = worker.default;
  const task = pdfjs.getDocument({
    ...src,
    enableXfa: false,
    // The asset server sends the whole file (no range requests).
    disableRange: true,
    // Credentials are never needed: the route is same-origin and keyless.
    withCredentials: false,
    stopAtErrors: false,
    useWasm: false,
    // Absolute: the worker resolves these against its own URL otherwise.
    wasmUrl: new URL('pdfjs/wasm/', document.baseURI).href,
    standardFontDataUrl: new URL('pdfjs/standard_fonts/', document.baseURI).href,
  });
  return task.promise;
}

/** Decodes DocumentContent's base64 into bytes (the fallback when /doc/<id> cannot be fetched). */
export function base64Bytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
