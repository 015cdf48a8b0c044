import { describe, expect, it } from 'vitest';
import { externalURL } from './links';

describe('externalURL', () => {
  it('lets web links through, normalised', () => {
    expect(externalURL('https://www.cdc.gov/vaccines/')).toBe('https://www.cdc.gov/vaccines/');
    expect(externalURL(' http://example.org/a b ')).toBe('http://example.org/a%20b');
  });
  it('refuses every other scheme, relative links and credentials', () => {
    for (const bad of ['javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'data:text/html,<script>x</script>', 'file:///etc/passwd',
      'wails://wails/', 'org.fastenhealth.desktop:/callback?code=1', '/relative', '#top', '', null, undefined,
      'https://user:pass@evil.example/', 'vbscript:msgbox(1)']) {
      expect(externalURL(bad), String(bad)).toBeNull();
    }
  });
});
