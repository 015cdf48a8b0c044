// Puts an HTML or C-CDA document (DocumentHTML) on the page. Go has already
// sanitised it with bluemonday (internal/records narrativePolicy); this is the
// second lock on the same door, so a mistake on one side does not run
// anything: the HTML is parsed into an inert document (DOMParser: nothing
// runs, loads or navigates there), only the policy's own elements and
// attributes are kept, and the result is moved into the container. No
// innerHTML on the live page, no iframe.

// The same elements as Go's narrativePolicy; anything else is unwrapped (its
// text kept) or, for the elements below, dropped with everything inside.
const ALLOWED = new Set([
  'div', 'span', 'p', 'br', 'hr', 'b', 'i', 'em', 'strong', 'u', 'sub', 'sup', 'small',
  'ul', 'ol', 'li', 'dl', 'dt', 'dd', 'table', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td', 'caption',
  'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'pre', 'code', 'blockquote',
]);
const DROPPED = new Set([
  'script', 'style', 'template', 'noscript', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet',
  'link', 'meta', 'base', 'svg', 'math', 'form', 'input', 'button', 'select', 'textarea', 'option',
  'img', 'picture', 'video', 'audio', 'source', 'track', 'canvas', 'head', 'title',
]);
const CELL_ATTRS = new Set(['colspan', 'rowspan']);

function clean(node: Node, into: Node, doc: Document): void {
  for (const child of Array.from(node.childNodes)) {
    if (child.nodeType === Node.TEXT_NODE) {
      into.appendChild(doc.createTextNode(child.textContent ?? ''));
    } else if (child.nodeType === Node.ELEMENT_NODE) {
      const el = child as Element;
      const tag = el.localName.toLowerCase();
      if (DROPPED.has(tag)) continue;
      if (!ALLOWED.has(tag)) {
        clean(el, into, doc); // unwrap: keep the words, lose the element
        continue;
      }
      const copy = doc.createElement(tag);
      if (tag === 'td' || tag === 'th') {
        for (const a of Array.from(el.attributes)) {
          if (CELL_ATTRS.has(a.name) && /^\d{1,3}$/.test(a.value)) copy.setAttribute(a.name, a.value);
        }
      }
      clean(el, copy, doc);
      into.appendChild(copy);
    }
    // comments, processing instructions: dropped
  }
}

/** Replaces container's content with html's text and harmless structure. */
export function showSanitisedHtml(container: HTMLElement, html: string): void {
  const parsed = new DOMParser().parseFromString(html, 'text/html');
  const doc = container.ownerDocument;
  const frag = doc.createDocumentFragment();
  clean(parsed.body, frag, doc);
  container.replaceChildren(frag);
}
