import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as api from './api';
import { Network } from './network.svelte';

vi.mock('./api', async (importOriginal) => {
  const { withRealErrors } = await import('../test/api-mock');
  return withRealErrors(importOriginal, { setOffline: vi.fn() });
});

const setOffline = vi.mocked(api.setOffline);

describe('Network', () => {
  beforeEach(() => {
    setOffline.mockReset();
    setOffline.mockResolvedValue(undefined);
  });

  it('follows the system and tells Go at start and on each change', () => {
    const nav = { onLine: false };
    const target = new EventTarget() as unknown as Window;
    const n = new Network();
    const stop = n.watch(nav, target);
    expect(n.online).toBe(false);
    expect(setOffline).toHaveBeenLastCalledWith(true);

    nav.onLine = true;
    target.dispatchEvent(new Event('online'));
    expect(n.online).toBe(true);
    expect(setOffline).toHaveBeenLastCalledWith(false);

    stop();
    nav.onLine = false;
    target.dispatchEvent(new Event('offline'));
    expect(n.online).toBe(true);
    expect(setOffline).toHaveBeenCalledTimes(2);
  });

  it('keeps working when Go cannot be told (locked)', async () => {
    setOffline.mockRejectedValue(new Error('locked'));
    const n = new Network();
    n.watch({ onLine: false }, new EventTarget() as unknown as Window);
    await Promise.resolve();
    expect(n.online).toBe(false);
  });
});
