import { describe, expect, it } from 'vitest';
import { household, isPersonView } from './session.svelte';

describe('isPersonView', () => {
  it('is false for the household pages, so the sidebar shows no one as current there', () => {
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
