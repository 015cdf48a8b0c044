import { render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import PassphraseStrength from './PassphraseStrength.svelte';

describe('PassphraseStrength', () => {
  it('explains the rule while empty', () => {
    render(PassphraseStrength, { passphrase: '' });
    expect(screen.getByText(/At least 8 characters/)).toBeInTheDocument();
    expect(screen.getByRole('meter')).toHaveAttribute('aria-valuenow', '0');
  });

  it('says "Too short" under 8 characters', () => {
    render(PassphraseStrength, { passphrase: 'abc' });
    expect(screen.getByTestId('strength-label')).toHaveTextContent('Too short');
  });

  it('rates a common password as weak, with feedback', async () => {
    render(PassphraseStrength, { passphrase: 'password1' });
    const label = await screen.findByText(/Very weak|Weak/, {}, { timeout: 5000 });
    expect(label).toBeInTheDocument();
    expect(screen.getByRole('meter').getAttribute('aria-valuenow')).toMatch(/^[01]$/);
  });

  it('rates a long random passphrase as very strong', async () => {
    render(PassphraseStrength, { passphrase: 'correct-horse-battery-staple-kumquat-9!' });
    expect(await screen.findByText('Very strong', {}, { timeout: 5000 })).toBeInTheDocument();
    expect(screen.getByRole('meter')).toHaveAttribute('aria-valuenow', '4');
  });
});
