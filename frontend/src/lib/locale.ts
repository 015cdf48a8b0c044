// A desktop started with LANG=C (some Linux sessions, and Xvfb) reports
// navigator.language "C", which is no language tag: Intl refuses it with a
// RangeError. Our own formatting passes no locale and is unaffected, but a
// library that formats with navigator.language at load (uPlot does) fails
// to load at all, and the chart is never drawn.

/** Whether Intl accepts tag as a locale. */
export function validLanguageTag(tag: string): boolean {
  try {
    new Intl.NumberFormat(tag);
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes navigator.language a tag Intl accepts: the runtime's own default
 * locale when the reported one is not ("C", "POSIX"). Call before loading a
 * library that formats with navigator.language.
 */
export function repairNavigatorLanguage(): void {
  if (validLanguageTag(navigator.language)) return;
  const fallback = new Intl.NumberFormat().resolvedOptions().locale || 'en-US';
  Object.defineProperty(navigator, 'language', { value: fallback, configurable: true });
}
