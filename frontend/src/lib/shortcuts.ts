// App-wide keyboard shortcuts for the main views: Ctrl+digit (⌘+digit on a
// Mac). They let keyboard users — and the window test, which drives the real
// window with key presses — reach a view without tabbing through the sidebar.

/** The views a shortcut leads to, by digit. */
export const VIEW_SHORTCUTS = {
  '0': 'household',
  '1': 'dashboard',
  '2': 'timeline',
  '3': 'overview',
  '4': 'documents',
  '5': 'insurance',
  '6': 'trends',
} as const;

export type ShortcutView = (typeof VIEW_SHORTCUTS)[keyof typeof VIEW_SHORTCUTS];

/** True when the key goes to a field the person is typing in. */
function typingIn(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag !== 'INPUT') return false;
  // Checkboxes, radios and buttons take no text: a shortcut there is no typo.
  const type = (target as HTMLInputElement).type;
  return !['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color', 'file'].includes(type);
}

/**
 * Whether a key press asks for the search box: Ctrl+F (⌘F), as in every
 * desktop app. The webview's own find-in-page would search only the
 * rows on screen; the search box searches every record. Taken even while
 * typing in a field: it only moves the focus.
 */
export function isFindShortcut(e: KeyboardEvent): boolean {
  if (e.defaultPrevented || e.repeat || e.altKey || e.shiftKey) return false;
  if (!(e.ctrlKey || e.metaKey) || (e.ctrlKey && e.metaKey)) return false;
  return e.key === 'f' || e.key === 'F';
}

/**
 * The view a key press asks for, or null when it is not a view shortcut
 * (other keys or modifiers, a repeat, or typing in a field — Ctrl+digit there
 * stays the field's).
 */
export function shortcutView(e: KeyboardEvent): ShortcutView | null {
  if (e.defaultPrevented || e.repeat || e.altKey || e.shiftKey) return null;
  if (!(e.ctrlKey || e.metaKey) || (e.ctrlKey && e.metaKey)) return null;
  const v = VIEW_SHORTCUTS[e.key as keyof typeof VIEW_SHORTCUTS];
  if (!v || typingIn(e.target)) return null;
  return v;
}
