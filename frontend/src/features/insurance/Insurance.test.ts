import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('../../lib/api', async (importOriginal) => {
  const { withRealErrors } = await import('../../test/api-mock');
  return withRealErrors(importOriginal, { insurance: vi.fn(), detail: vi.fn() });
});

import * as api from '../../lib/api';
import { records, type Plain } from '../../lib/wire';
import Insurance from './Insurance.svelte';
import { groupByYear, memberIdFromRaw, money } from './insurance';

function bill(id: number, over: Partial<Plain<records.InsuranceClaim>> = {}): Plain<records.InsuranceClaim> {
  return {
    id, claimId: id, eobId: id + 1, date: '2020-05-12T10:00:00Z', kind: 'institutional', status: 'active',
    provider: 'Mercy Hospital', payer: 'Acme Health', for: ['Encounter for check up (procedure)', 'Flu shot'],
    billed: 90134, paid: 62107, owed: 15527, currency: 'USD', source: 'ana.json', ...over,
  };
}

function page(p: Partial<Plain<records.InsurancePage>>): records.InsurancePage {
  return records.InsurancePage.createFrom({ coverages: [], claims: [], years: [], ...p });
}

const coverage: Plain<records.InsuranceCoverage> = {
  id: 7, payer: 'Acme Health', plan: 'Gold PPO', hasMemberId: true, memberIdLast4: '4321', status: 'active', start: '2020-01-01', end: '2020-12-31', source: 'portal',
};

beforeEach(() => {
  vi.mocked(api.insurance).mockReset();
  vi.mocked(api.detail).mockReset();
});

describe('money and grouping', () => {
  it('formats exact cents in the currency, and says when an amount is not stated', () => {
    expect(money(90134, 'USD', 'en-US')).toBe('$901.34');
    expect(money(5, 'EUR', 'de-DE').replace(/\s/g, ' ')).toBe('0,05 €');
    expect(money(null, 'USD', 'en-US')).toBe('not stated');
    expect(money(undefined, 'USD')).toBe('not stated');
  });

  it('groups bills by year in their order, each with its totals', () => {
    const totals = new Map([['2020', [records.InsuranceYear.createFrom({ year: '2020', currency: 'USD', claims: 2, billed: 1, paid: 2, owed: 3 })]]]);
    const g = groupByYear([bill(1), bill(3, { date: '2020-01-01' }), bill(5, { date: '2018-03-03' }), bill(7, { date: '' })], totals);
    expect(g.map((x) => [x.year, x.bills.map((b) => b.id), x.totals.length])).toEqual([['2020', [1, 3], 1], ['2018', [5], 0], ['', [7], 0]]);
  });

  it('reads the member id from the raw record like Go does', () => {
    expect(memberIdFromRaw('{"subscriberId":"W987654321"}')).toBe('W987654321');
    expect(memberIdFromRaw('{"identifier":[{"value":"X1"},{"type":{"coding":[{"code":"MB"}]},"value":"M55"}]}')).toBe('M55');
    expect(memberIdFromRaw('{"identifier":[{"value":"X1"}]}')).toBe('X1');
    expect(memberIdFromRaw('not json')).toBe('');
  });
});

describe('Insurance', () => {
  it('shows coverage with a masked member id, then bills by year as billed / paid / owed', async () => {
    vi.mocked(api.insurance).mockResolvedValueOnce(
      page({
        coverages: [coverage],
        claims: [bill(10), bill(20, { date: '2019-02-01', provider: '', for: [], billed: 25500, paid: undefined, owed: undefined, eobId: 0 })],
        years: [
          { year: '2020', currency: 'USD', claims: 1, billed: 90134, paid: 62107, owed: 15527 },
          { year: '2019', currency: 'USD', claims: 1, billed: 25500, paid: 0, owed: 0 },
        ],
      }),
    );
    render(Insurance, { personId: 3, onopen: vi.fn(), locale: 'en-US' });
    expect(screen.getByTestId('insurance-loading')).toBeInTheDocument();
    const cov = await screen.findByTestId('insurance-coverage');
    expect(api.insurance).toHaveBeenCalledWith(3, null, 50);
    expect(cov).toHaveTextContent('Acme Health');
    expect(cov).toHaveTextContent('Gold PPO');
    expect(within(cov).getByTestId('insurance-member-id')).toHaveTextContent('•••• 4321');
    expect(cov).toHaveTextContent('Active');

    const rows = screen.getAllByTestId('insurance-claim');
    expect(rows.map((r) => r.dataset.id)).toEqual(['10', '20']);
    expect(rows[0]).toHaveTextContent('May 12, 2020 — Mercy Hospital — Encounter for check up, Flu shot');
    expect(rows[0]).not.toHaveTextContent('(procedure)');
    expect(rows[0]).toHaveTextContent('Billed $901.34 · Insurance paid $621.07 · You owed $155.27');
    expect(rows[1]).toHaveTextContent('Unknown provider — Services');
    expect(rows[1]).toHaveTextContent('Billed $255.00 · Insurance paid not stated · You owed not stated');

    const years = screen.getAllByTestId('insurance-year');
    expect(years.map((y) => y.dataset.year)).toEqual(['2020', '2019']);
    expect(within(years[0]).getByTestId('insurance-year-total')).toHaveTextContent('1 bill: Billed $901.34 · Insurance paid $621.07 · You owed $155.27');
    expect(screen.getByTestId('insurance-end')).toHaveTextContent('2 bills');
  });

  it('reveals the full member id from the coverage record only when asked, and hides it again', async () => {
    vi.mocked(api.insurance).mockResolvedValueOnce(page({ coverages: [coverage] }));
    vi.mocked(api.detail).mockResolvedValueOnce(records.Detail.createFrom({ raw: JSON.stringify({ resourceType: 'Coverage', subscriberId: 'W987654321' }) }));
    render(Insurance, { personId: 3, onopen: vi.fn() });
    const mid = await screen.findByTestId('insurance-member-id');
    expect(document.body).not.toHaveTextContent('W987654321');
    expect(api.detail).not.toHaveBeenCalled();
    const reveal = screen.getByTestId('insurance-reveal');
    expect(reveal).toHaveTextContent('Reveal');
    await fireEvent.click(reveal);
    await waitFor(() => expect(mid).toHaveTextContent('W987654321'));
    expect(api.detail).toHaveBeenCalledWith(7);
    expect(reveal).toHaveTextContent('Hide');
    await fireEvent.click(reveal);
    expect(mid).toHaveTextContent('•••• 4321');
    expect(document.body).not.toHaveTextContent('W987654321');
  });

  it('opens the explanation of benefit of a bill (else its claim) in the detail drawer', async () => {
    const onopen = vi.fn();
    vi.mocked(api.insurance).mockResolvedValueOnce(page({ claims: [bill(10), bill(20, { eobId: 0 })] }));
    render(Insurance, { personId: 3, onopen });
    const rows = await screen.findAllByTestId('insurance-claim');
    await fireEvent.click(rows[0]);
    expect(onopen).toHaveBeenLastCalledWith(11);
    rows[1].focus();
    expect(document.activeElement).toBe(rows[1]);
    await fireEvent.click(rows[1]);
    expect(onopen).toHaveBeenLastCalledWith(20);
  });

  it('loads the next page with the cursor Go returned, merging a year that continues there', async () => {
    vi.mocked(api.insurance)
      .mockResolvedValueOnce(page({ coverages: [coverage], claims: [bill(10)], years: [{ year: '2020', currency: 'USD', claims: 2, billed: 100, paid: 50, owed: 10 }], next: { date: '2020-05-12T10:00:00Z', id: 10 } }))
      .mockResolvedValueOnce(page({ claims: [bill(8, { date: '2020-01-02' }), bill(4, { date: '2017-01-01' })], years: [{ year: '2020', currency: 'USD', claims: 2, billed: 100, paid: 50, owed: 10 }, { year: '2017', currency: 'USD', claims: 1, billed: 1, paid: 1, owed: 1 }] }));
    render(Insurance, { personId: 3, onopen: vi.fn() });
    await fireEvent.click(await screen.findByTestId('insurance-more'));
    await screen.findByTestId('insurance-end');
    expect(vi.mocked(api.insurance).mock.lastCall).toEqual([3, { date: '2020-05-12T10:00:00Z', id: 10 }, 50]);
    expect(screen.getAllByTestId('insurance-claim').map((r) => r.dataset.id)).toEqual(['10', '8', '4']);
    expect(screen.getAllByTestId('insurance-year').map((y) => y.dataset.year)).toEqual(['2020', '2017']);
    expect(screen.getAllByTestId('insurance-year-total')).toHaveLength(2);
    // The coverage cards stay from the first page.
    expect(screen.getAllByTestId('insurance-coverage')).toHaveLength(1);
  });

  it('says what to expect when there are no insurance records, and shows errors', async () => {
    vi.mocked(api.insurance).mockResolvedValueOnce(page({}));
    const { unmount } = render(Insurance, { personId: 3, onopen: vi.fn() });
    expect(await screen.findByTestId('insurance-empty')).toHaveTextContent('No insurance records yet — they arrive with portal downloads that include claims');
    unmount();
    vi.mocked(api.insurance).mockRejectedValueOnce(new api.ApiError({ kind: 'internal', message: 'Something failed.' } as never));
    render(Insurance, { personId: 4, onopen: vi.fn() });
    expect(await screen.findByRole('alert')).toBeInTheDocument();
  });
});
