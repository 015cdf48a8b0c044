// The page's Content-Security-Policy. The production policy lets the page talk
// only to its own origin (the Wails asset server); `wails dev` serves the page
// from Vite on localhost and needs its dev-server websocket and the Wails dev
// bridge, so those sources are added only when Vite serves, never in a build.
import type { Plugin } from 'vite';

export const DEV_CONNECT_SOURCES = 'ws://localhost:* http://localhost:* ws://127.0.0.1:* http://127.0.0.1:*';

/** Adds the dev-only connect-src sources to index.html's CSP when Vite serves. */
export function devCsp(): Plugin {
  return {
    name: 'fasten-dev-csp',
    apply: 'serve',
    transformIndexHtml(html) {
      return html.replace(/(connect-src 'self')/, `$1 ${DEV_CONNECT_SOURCES}`);
    },
  };
}
