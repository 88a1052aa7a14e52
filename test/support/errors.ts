// Asserting on PgolfErrors in tests: the promise must reject with a PgolfError of this exact code.
import assert from "node:assert/strict";
import { isPgolfError, type PgolfError } from "../../src/core/error.js";

export async function rejectsWith(p: Promise<unknown>, code: string, check?: (e: PgolfError) => void): Promise<PgolfError> {
  try {
    await p;
  } catch (e) {
    assert.ok(isPgolfError(e), `expected a PgolfError, got ${String(e)}`);
    assert.equal(e.code, code, `${e.code}: ${e.message}`);
    check?.(e);
    return e;
  }
  assert.fail(`expected an error with code ${code}`);
}

/** The call must throw a PgolfError of this exact code. */
export function throwsCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isPgolfError(e), `expected a PgolfError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return true;
  });
}
