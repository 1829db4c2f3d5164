/**
 * One named step of an end-to-end test: noted (with the test's elapsed time) when it ends, and the
 * run marked failed when it throws, so the test keeps its serial consoles and logs for the reader.
 */
export function stepper(note: (what: string) => void, markFailed: () => void) {
  return async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      const v = await fn();
      note(what);
      return v;
    } catch (err) {
      markFailed();
      throw err;
    }
  };
}
