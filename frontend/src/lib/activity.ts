// Throttle helper used to tell Go the person is active (postpones auto-lock)
// at most once per interval, however many keys and pointer moves happen.

export function throttle(fn: () => void, intervalMs: number, now: () => number = Date.now): () => void {
  let last = -Infinity;
  return () => {
    const t = now();
    if (t - last >= intervalMs) {
      last = t;
      fn();
    }
  };
}

const EVENTS = ['pointerdown', 'keydown', 'wheel', 'touchstart'] as const;

/** Listens for activity on window; returns a function that stops listening. */
export function watchActivity(onActive: () => void, intervalMs = 30_000): () => void {
  const tick = throttle(onActive, intervalMs);
  for (const e of EVENTS) window.addEventListener(e, tick, { passive: true, capture: true });
  return () => {
    for (const e of EVENTS) window.removeEventListener(e, tick, { capture: true });
  };
}
