/**
 * Polls `check` every `stepMs` until it is true; rejects with "condition not met in time" after
 * `timeoutMs`. For tests that wait on asynchronous state (a server's status, a cache's watches).
 */
export async function until(check: () => boolean, timeoutMs = 3000, stepMs = 5): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
