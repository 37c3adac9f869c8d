import { expect } from 'vitest';
import { PbxError } from '../../src/errors.js';

/** Awaits a promise that must reject with a PbxError, and returns the error for more checks. */
export async function pbxFailure(promise: Promise<unknown>): Promise<PbxError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PbxError);
  return err as PbxError;
}
