import { render, screen } from '@testing-library/svelte';
import { tick } from 'svelte';
import { describe, expect, it, vi } from 'vitest';
import type { VaultPacking } from '../../lib/api';

// The window's runtime is absent in unit tests: capture the handler the
// component registers for Go's 'vault:packing' event.
let handler: ((p: VaultPacking) => void) | null = null;
vi.mock('../../lib/api', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../lib/api')>();
  return {
    ...real,
    onVaultPacking: vi.fn((fn: (p: VaultPacking) => void) => {
      handler = fn;
      return () => (handler = null);
    }),
  };
});

import PackingStatus from './PackingStatus.svelte';

const at = (phase: VaultPacking['phase'], done: number, total: number): VaultPacking => ({
  phase, done, total, bytesBefore: 900, bytesAfter: 0, vacuumSkipped: false,
});

describe('PackingStatus', () => {
  it('is absent until Go reports packing, shows the share done, then the rewrite, and goes when done', async () => {
    const { unmount } = render(PackingStatus);
    expect(screen.queryByTestId('vault-packing')).toBeNull();

    handler!(at('pack', 60_000, 150_000));
    await tick();
    expect(screen.getByTestId('vault-packing')).toHaveTextContent('Making your vault smaller: 40%');
    expect(screen.getByRole('status')).toBeInTheDocument();

    handler!(at('vacuum', 150_000, 150_000));
    await tick();
    expect(screen.getByTestId('vault-packing')).toHaveTextContent('finishing');

    handler!(at('done', 150_000, 150_000));
    await tick();
    expect(screen.queryByTestId('vault-packing')).toBeNull();

    unmount();
    expect(handler).toBeNull();
  });

  it('never shows more than 100% or divides by nothing', async () => {
    render(PackingStatus);
    handler!(at('pack', 5, 0));
    await tick();
    expect(screen.getByTestId('vault-packing')).toHaveTextContent('0%');
    handler!(at('pack', 7, 5));
    await tick();
    expect(screen.getByTestId('vault-packing')).toHaveTextContent('100%');
  });
});
