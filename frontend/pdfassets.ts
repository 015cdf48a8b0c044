// Ships the few pdf.js data files the PDF viewer reads at run time as
// same-origin files under pdfjs/ (so the page's CSP, `default-src 'self'`,
// covers them and nothing is fetched from the network):
// - the JavaScript JBIG2 and JPEG 2000 decoders (scanned and faxed pages,
//   which hospitals send a lot of, are mostly one or the other). The app
//   runs pdf.js with useWasm: false, so the .wasm builds are not shipped:
//   compiling wasm would need 'wasm-unsafe-eval', which the CSP leaves out.
//   The scripting engine (quickjs-eval) is never shipped: PDFs' JavaScript
//   does not run here.
// - the standard fonts, for PDFs that name Helvetica or Times without
//   embedding them (so text keeps its metrics).
// Served by Vite in dev (`wails dev`) and emitted into dist/ by the build.
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Plugin } from 'vite';

export const PDF_ASSET_DIR = 'pdfjs';

const root = dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));

/** The files shipped, by their path under pdfjs/ → their path in pdfjs-dist. */
export function pdfAssetFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const f of ['jbig2_nowasm_fallback.js', 'openjpeg_nowasm_fallback.js', 'LICENSE_JBIG2', 'LICENSE_OPENJPEG', 'LICENSE_PDFJS_JBIG2', 'LICENSE_PDFJS_OPENJPEG']) {
    files.set(`wasm/${f}`, join(root, 'wasm', f));
  }
  for (const f of readdirSync(join(root, 'standard_fonts'))) {
    files.set(`standard_fonts/${f}`, join(root, 'standard_fonts', f));
  }
  return files;
}

export function pdfAssets(): Plugin {
  const files = pdfAssetFiles();
  return {
    name: 'fasten-pdf-assets',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const path = (req.url ?? '').split('?')[0].replace(/^\/+/, '');
        const file = path.startsWith(`${PDF_ASSET_DIR}/`) ? files.get(path.slice(PDF_ASSET_DIR.length + 1)) : undefined;
        if (!file) return next();
        res.setHeader('Content-Type', file.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'application/octet-stream');
        res.setHeader('X-Content-Type-Options', 'nosniff');
        res.end(readFileSync(file));
      });
    },
    generateBundle() {
      for (const [name, file] of files) {
        this.emitFile({ type: 'asset', fileName: `${PDF_ASSET_DIR}/${name}`, source: readFileSync(file) });
      }
    },
  };
}
