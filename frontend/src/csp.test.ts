// The page's source text through Vite's ?raw import (typed by vite/client),
// so this test needs no Node typings.
import html from '../index.html?raw';
import { devCsp, DEV_CONNECT_SOURCES } from '../csp';

describe('Content-Security-Policy', () => {
  it('the shipped page talks only to its own origin', () => {
    const csp = html.match(/Content-Security-Policy" content="([^"]+)"/)?.[1] ?? '';
    expect(csp).toContain("connect-src 'self';");
    expect(csp).not.toMatch(/localhost|127\.0\.0\.1/);
  });

  it('adds the dev-server sources only when Vite serves (wails dev)', () => {
    const plugin = devCsp();
    expect(plugin.apply).toBe('serve');
    const hook = plugin.transformIndexHtml as (h: string) => string;
    expect(hook(html)).toContain(`connect-src 'self' ${DEV_CONNECT_SOURCES};`);
  });
});
