// The app follows the system's light or dark setting. Every colour variable
// the light theme defines must also have a dark value, or a component using
// it would show light-theme colour on a dark background.
// (The stylesheet's text through Vite's ?raw import, like csp.test.ts.)
import css from './app.css?raw';
import { describe, expect, it } from 'vitest';

function vars(block: string): Set<string> {
  return new Set([...block.matchAll(/(--[\w-]+)\s*:\s*([^;]+);/g)].filter(([, , v]) => /#|rgb|hsl/.test(v)).map(([, n]) => n));
}

describe('themes', () => {
  const light = vars(/^:root\s*\{([\s\S]*?)\n\}/m.exec(css)?.[1] ?? '');
  const darkBlock = /@media \(prefers-color-scheme: dark\)\s*\{\s*:root\s*\{([\s\S]*?)\}\s*\}/.exec(css)?.[1] ?? '';
  const dark = vars(darkBlock);

  it('has a dark theme chosen by the system setting', () => {
    expect(darkBlock).toContain('color-scheme: dark');
    expect(light.size).toBeGreaterThan(10);
  });
  it('gives every light colour variable a dark value', () => {
    expect([...light].filter((v) => !dark.has(v))).toEqual([]);
  });
  it('shows a focus ring on anything focused by keyboard', () => {
    expect(css).toMatch(/:focus-visible\s*\{\s*outline: 3px solid var\(--focus\)/);
  });
});
