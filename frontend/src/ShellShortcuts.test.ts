// Ctrl+digit moves between the selected person's pages from anywhere in the
// app, and leaves the keys alone while someone types.
import { fireEvent, render, screen } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('./lib/api', async (importOriginal) => {
  const { withRealErrors } = await import('./test/api-mock');
  const off = () => () => {};
  const never = () => new Promise(() => {});
  return withRealErrors(importOriginal, {
    people: vi.fn(async () => [{ id: 1, name: 'Ana Ruiz', birthDate: '', records: 3 }]),
    unmatched: vi.fn(async () => []),
    connections: vi.fn(async () => []),
    registrations: vi.fn(async () => []),
    touch: vi.fn(async () => {}),
    onImportProgress: vi.fn(off),
    onVaultPacking: vi.fn(off),
    onFileDrop: vi.fn(off),
    overview: vi.fn(never),
    setAsideRecords: vi.fn(async () => []),
    dashboard: vi.fn(never),
    timeline: vi.fn(never),
    documents: vi.fn(never),
    householdView: vi.fn(never),
    backupSettings: vi.fn(never),
    markViewed: vi.fn(async () => {}),
    insurance: vi.fn(never),
    labList: vi.fn(never),
    hasRuntime: vi.fn(() => false),
  });
});

import Shell from './Shell.svelte';
import { household } from './lib/session.svelte';

const ctrl = (key: string) => ({ key, ctrlKey: true });

describe('view shortcuts in the shell', () => {
  beforeEach(() => household.reset());

  it('Ctrl+2, Ctrl+3, Ctrl+4 and Ctrl+1 open the timeline, all records, documents and the dashboard', async () => {
    render(Shell);
    await screen.findByTestId('person-title');
    expect(screen.getByTestId('nav-dashboard')).toHaveAttribute('aria-current', 'page');
    await fireEvent.keyDown(window, ctrl('2'));
    expect(screen.getByTestId('nav-timeline')).toHaveAttribute('aria-current', 'page');
    await fireEvent.keyDown(document.body, ctrl('3'));
    expect(screen.getByTestId('nav-overview')).toHaveAttribute('aria-current', 'page');
    await fireEvent.keyDown(document.body, ctrl('4'));
    expect(screen.getByTestId('documents-nav')).toHaveAttribute('aria-current', 'page');
    await fireEvent.keyDown(document.body, ctrl('1'));
    expect(screen.getByTestId('nav-dashboard')).toHaveAttribute('aria-current', 'page');
  });

  it('Ctrl+F puts the focus in the search box, from anywhere on the page', async () => {
    render(Shell);
    await screen.findByTestId('person-title');
    const box = screen.getByTestId('search-input');
    expect(document.activeElement).not.toBe(box);
    const e = new KeyboardEvent('keydown', { key: 'f', ctrlKey: true, bubbles: true, cancelable: true });
    document.body.dispatchEvent(e);
    expect(document.activeElement).toBe(box);
    expect(e.defaultPrevented).toBe(true);
  });

  it('Ctrl+6 opens the Trends tab', async () => {
    render(Shell);
    await screen.findByTestId('person-title');
    await fireEvent.keyDown(document.body, ctrl('6'));
    expect(screen.getByTestId('nav-trends')).toHaveAttribute('aria-current', 'page');
    expect(screen.getByTestId('trends')).toBeInTheDocument();
  });

  it('reaches a person page from a household-wide page such as Import', async () => {
    render(Shell);
    await screen.findByTestId('person-title');
    await fireEvent.click(screen.getByTestId('nav-import'));
    expect(screen.queryByTestId('nav-timeline')).not.toBeInTheDocument();
    await fireEvent.keyDown(document.body, ctrl('2'));
    expect(await screen.findByTestId('nav-timeline')).toHaveAttribute('aria-current', 'page');
  });

  it('leaves Ctrl+digit to the search box while typing', async () => {
    render(Shell);
    await screen.findByTestId('person-title');
    const search = screen.getByTestId('search-input');
    search.focus();
    await fireEvent.keyDown(search, ctrl('2'));
    expect(screen.getByTestId('nav-dashboard')).toHaveAttribute('aria-current', 'page');
  });

  it('Ctrl+0 opens the household view and Ctrl+5 the insurance tab', async () => {
    render(Shell);
    await screen.findByTestId('person-title');
    await fireEvent.keyDown(document.body, ctrl('0'));
    expect(screen.getByTestId('nav-household')).toHaveAttribute('aria-current', 'page');
    await fireEvent.keyDown(document.body, ctrl('5'));
    expect(await screen.findByTestId('nav-insurance')).toHaveAttribute('aria-current', 'page');
  });

  it('opens each page at its top with focus on it, the person header in view', async () => {
    render(Shell);
    await screen.findByTestId('person-title');
    const pane = document.querySelector('.content') as HTMLElement;
    const scrolled = vi.fn();
    pane.scrollTo = scrolled as unknown as typeof pane.scrollTo;
    const focus = vi.spyOn(HTMLElement.prototype, 'focus');
    await fireEvent.keyDown(document.body, ctrl('2'));
    await Promise.resolve();
    expect(scrolled).toHaveBeenCalledWith({ top: 0 });
    expect(focus).toHaveBeenCalledWith({ preventScroll: true });
    expect(document.activeElement).toBe(document.getElementById('main'));
    focus.mockRestore();
  });
});
