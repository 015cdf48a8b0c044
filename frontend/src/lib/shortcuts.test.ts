import { describe, expect, it } from 'vitest';
import { shortcutView } from './shortcuts';

function press(key: string, init: KeyboardEventInit = {}, target: HTMLElement = document.body): KeyboardEvent {
  const e = new KeyboardEvent('keydown', { key, ctrlKey: true, bubbles: true, cancelable: true, ...init });
  Object.defineProperty(e, 'target', { value: target });
  return e;
}

describe('find shortcut', () => {
  it('is Ctrl+F or ⌘F, nothing else', async () => {
    const { isFindShortcut } = await import('./shortcuts');
    expect(isFindShortcut(press('f'))).toBe(true);
    expect(isFindShortcut(press('F', { ctrlKey: false, metaKey: true }))).toBe(true);
    expect(isFindShortcut(press('f', { ctrlKey: false }))).toBe(false);
    expect(isFindShortcut(press('f', { shiftKey: true }))).toBe(false);
    expect(isFindShortcut(press('g'))).toBe(false);
    expect(isFindShortcut(press('f', { repeat: true }))).toBe(false);
  });
});

describe('view shortcuts', () => {
  it('maps Ctrl or ⌘ with a digit to its view', () => {
    expect(shortcutView(press('1'))).toBe('dashboard');
    expect(shortcutView(press('2'))).toBe('timeline');
    expect(shortcutView(press('3'))).toBe('overview');
    expect(shortcutView(press('4'))).toBe('documents');
    expect(shortcutView(press('5'))).toBe('insurance');
    expect(shortcutView(press('6'))).toBe('trends');
    expect(shortcutView(press('0'))).toBe('household');
    expect(shortcutView(press('1', { ctrlKey: false, metaKey: true }))).toBe('dashboard');
  });

  it('ignores other keys and modifiers', () => {
    expect(shortcutView(press('1', { ctrlKey: false }))).toBeNull();
    expect(shortcutView(press('7'))).toBeNull();
    expect(shortcutView(press('9'))).toBeNull();
    expect(shortcutView(press('1', { shiftKey: true }))).toBeNull();
    expect(shortcutView(press('1', { altKey: true }))).toBeNull();
    expect(shortcutView(press('1', { repeat: true }))).toBeNull();
  });

  it('leaves the keys to a field being typed in, but not to a checkbox', () => {
    const input = document.createElement('input');
    const area = document.createElement('textarea');
    const box = document.createElement('input');
    box.type = 'checkbox';
    expect(shortcutView(press('2', {}, input))).toBeNull();
    expect(shortcutView(press('2', {}, area))).toBeNull();
    expect(shortcutView(press('2', {}, box))).toBe('timeline');
  });
});
