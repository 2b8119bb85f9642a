/** What `promise` was rejected with, or undefined when it resolved: for asserting on a refusal's type and text. */
export const failureOf = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );
