// For tests that vi.mock('../../lib/api'): the fake calls come from the test,
// the error readers stay real, so components see Go's error kinds exactly as
// in the app (an ApiError thrown by a fake is read by the real readError).
//
// vi.mock factories are hoisted above the test file's imports, so a factory
// loads this module itself:
//
//   vi.mock('../../lib/api', async (importOriginal) => {
//     const { withRealErrors } = await import('../../test/api-mock');
//     return withRealErrors(importOriginal, { people: vi.fn() });
//   });
//
// Only a type import of lib/api here: importing it for real would load the
// module being mocked.
import type * as Api from '../lib/api';

type ErrorReaders = Pick<typeof Api, 'ApiError' | 'readError' | 'errorMessage' | 'isLockedError'>;

/** Each fake must be named after a real export (a typo would leave the real call unmocked
 *  and undefined); its signature is the test's business. */
type Fakes<F> = { [K in keyof F]: K extends keyof typeof Api ? F[K] : never };

/** The real error readers of lib/api, plus the test's fakes for the calls it uses. */
export async function withRealErrors<F extends Fakes<F>>(
  importOriginal: () => Promise<typeof Api>,
  fakes: F,
): Promise<ErrorReaders & F> {
  const { ApiError, readError, errorMessage, isLockedError } = await importOriginal();
  return { ApiError, readError, errorMessage, isLockedError, ...fakes };
}
