import { afterEach, describe, expect, it } from 'vitest';
import { repairNavigatorLanguage, validLanguageTag } from './locale';

describe('navigator.language under LANG=C', () => {
  afterEach(() => {
    delete (navigator as unknown as Record<string, unknown>).language;
  });

  it('tells a tag Intl accepts from one it refuses', () => {
    expect(validLanguageTag('en-US')).toBe(true);
    expect(validLanguageTag('C')).toBe(false);
  });

  it('replaces "C" with a locale Intl accepts, and leaves a real one alone', () => {
    Object.defineProperty(navigator, 'language', { value: 'C', configurable: true });
    expect(() => new Intl.NumberFormat(navigator.language)).toThrow(RangeError);
    repairNavigatorLanguage();
    expect(validLanguageTag(navigator.language)).toBe(true);
    Object.defineProperty(navigator, 'language', { value: 'fr-CA', configurable: true });
    repairNavigatorLanguage();
    expect(navigator.language).toBe('fr-CA');
  });
});
