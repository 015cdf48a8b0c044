// Passphrase strength estimation with zxcvbn-ts. The dictionaries are large,
// so they load lazily the first time someone types a passphrase.
import type { ZxcvbnFactory } from '@zxcvbn-ts/core';

export interface StrengthResult {
  score: 0 | 1 | 2 | 3 | 4;
  warning: string;
  suggestions: string[];
  crackTime: string;
}

export const MIN_LENGTH = 8;
export const SCORE_LABELS = ['Very weak', 'Weak', 'Fair', 'Strong', 'Very strong'] as const;

let factory: Promise<ZxcvbnFactory> | null = null;

function load(): Promise<ZxcvbnFactory> {
  factory ??= Promise.all([
    import('@zxcvbn-ts/core'),
    import('@zxcvbn-ts/language-common'),
    import('@zxcvbn-ts/language-en'),
  ]).then(
    ([core, common, en]) =>
      new core.ZxcvbnFactory({
        dictionary: { ...common.dictionary, ...en.dictionary },
        graphs: common.adjacencyGraphs,
        translations: en.translations,
      }),
  );
  return factory;
}

export async function estimate(passphrase: string, userInputs: string[] = []): Promise<StrengthResult> {
  const z = await load();
  const r = z.check(passphrase, [...userInputs, 'fasten', 'vault', 'health', 'medical']);
  const ct = r.crackTimes as unknown as Record<string, { display?: string } | undefined> | undefined;
  const slow = ct?.offlineSlowHashingXPerSecond ?? ct?.offlineSlowHashing1e4PerSecond;
  return {
    score: r.score as StrengthResult['score'],
    warning: r.feedback.warning ?? '',
    suggestions: r.feedback.suggestions ?? [],
    crackTime: slow?.display ?? '',
  };
}
