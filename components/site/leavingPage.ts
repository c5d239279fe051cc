/**
 * Work a page must finish before the learner leaves it by a full load (the language switch opens the same
 * page in another language): a running training pauses and saves first, so it comes back where it was.
 */
const beforeLeaving = new Set<() => Promise<void>>();

/** Registers `prepare` while the page needs it; returns the function that unregisters it. */
export function prepareBeforeLeaving(prepare: () => Promise<void>): () => void {
  beforeLeaving.add(prepare);
  return () => {
    beforeLeaving.delete(prepare);
  };
}

/** Runs every registered preparation, waiting at most `timeoutMs` (leaving must not hang on a stuck save). */
export async function prepareToLeave(timeoutMs = 5000): Promise<void> {
  const all = Promise.all([...beforeLeaving].map((prepare) => prepare().catch(() => undefined)));
  await Promise.race([all, new Promise((resolve) => setTimeout(resolve, timeoutMs))]);
}
