// Links inside provider content (narratives, HTML documents, C-CDA) never
// navigate the webview: the app is the vault's only window. A click on a web
// link opens it in the system browser; any other scheme (javascript:, data:,
// file:, the app's own) is ignored.

/** The absolute http(s) URL an href names, or null for anything else. Relative links have no base worth opening. */
export function externalURL(href: string | null | undefined): string | null {
  if (!href) return null;
  let u: URL;
  try {
    u = new URL(href.trim());
  } catch {
    return null;
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return null;
  if (u.username || u.password) return null; // a credential in a link is a phishing trick, not a record
  return u.href;
}
