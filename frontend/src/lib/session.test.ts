import { describe, expect, it, vi } from 'vitest';

vi.mock('./api', async (importOriginal) => {
  const { withRealErrors } = await import('../test/api-mock');
  return withRealErrors(importOriginal, { people: vi.fn() });
});

import * as api from './api';
import { household, isPersonView } from './session.svelte';

describe('isPersonView', () => {
  it('is false for the household pages, so the sidebar shows no one as current there', () => {
    expect(isPersonView({ kind: 'household' })).toBe(false);
    expect(isPersonView({ kind: 'import' })).toBe(false);
    expect(isPersonView({ kind: 'connections' })).toBe(false);
    expect(isPersonView({ kind: 'settings' })).toBe(false);
    expect(isPersonView({ kind: 'settings', section: 'registrations' })).toBe(false);
  });
  it("is true for a person's own pages", () => {
    expect(isPersonView({ kind: 'dashboard' })).toBe(true);
    expect(isPersonView({ kind: 'timeline' })).toBe(true);
    expect(isPersonView({ kind: 'overview' })).toBe(true);
    expect(isPersonView({ kind: 'list', resourceType: 'Condition' })).toBe(true);
    expect(isPersonView({ kind: 'search', query: 'x' })).toBe(true);
  });
});

describe('a person’s home page', () => {
  it('is the dashboard: choosing someone, and after a lock', () => {
    household.go({ kind: 'timeline' });
    household.select(3);
    expect(household.view).toEqual({ kind: 'dashboard' });
    household.go({ kind: 'overview' });
    household.reset();
    expect(household.view).toEqual({ kind: 'dashboard' });
  });
});

describe('the landing page after an unlock', () => {
  const person = (id: number, name: string) => ({ id, name, birthDate: '', records: 1 });

  it('is the household view for a family of two or more', async () => {
    household.reset();
    vi.mocked(api.people).mockResolvedValue([person(1, 'Ana'), person(2, 'Ben')]);
    await household.refreshPeople();
    expect(household.view).toEqual({ kind: 'household' });
    // Later refreshes (an import, a rename) do not move the person away.
    household.select(2);
    await household.refreshPeople();
    expect(household.view).toEqual({ kind: 'dashboard' });
  });

  it('is the dashboard for one person', async () => {
    household.reset();
    vi.mocked(api.people).mockResolvedValue([person(1, 'Ana')]);
    await household.refreshPeople();
    expect(household.view).toEqual({ kind: 'dashboard' });
  });

  it('keeps a view chosen before the list arrived (a dropped file opens Import)', async () => {
    household.reset();
    household.go({ kind: 'import' });
    vi.mocked(api.people).mockResolvedValue([person(1, 'Ana'), person(2, 'Ben')]);
    await household.refreshPeople();
    expect(household.view).toEqual({ kind: 'import' });
  });
});

describe('home (where "See records" leads after an import or a connection)', () => {
  const person = (id: number, name: string) => ({ id, name, birthDate: '', records: 1 });

  it('is the household view for a family, the dashboard for one person', async () => {
    household.reset();
    household.go({ kind: 'import' });
    vi.mocked(api.people).mockResolvedValue([person(1, 'Ana'), person(2, 'Ben')]);
    await household.refreshPeople();
    household.home();
    expect(household.view).toEqual({ kind: 'household' });

    household.reset();
    household.go({ kind: 'import' });
    vi.mocked(api.people).mockResolvedValue([person(1, 'Ana')]);
    await household.refreshPeople();
    household.home();
    expect(household.view).toEqual({ kind: 'dashboard' });
  });
});
