/**
 * Progress reporting of library work, as plain events for the caller to show (the command
 * line draws progress bars and prints messages from them) or to ignore. Library code never
 * writes to the terminal itself.
 */

/** A message for the user: a detail ('info') or a problem that does not stop the work ('warn'). */
export type MessageEvent = { type: 'info'; message: string } | { type: 'warn'; message: string };

/**
 * Progress over a list of items (images, files): 'item' when work on one begins, then
 * 'itemDone' or 'itemFailed' (the work goes on with the next item).
 */
export type ItemEvent =
  | { type: 'item'; name: string; index: number; total: number }
  | { type: 'itemDone'; name: string; index: number; total: number }
  | { type: 'itemFailed'; name: string; index: number; total: number; error: unknown };

/** An item whose work failed, and why. */
export interface ItemFailure {
  name: string;
  error: unknown;
}

/**
 * Runs `work` on each item, one after another (or up to `concurrency` at a time, started in
 * order), reporting ItemEvents. A failing item is reported ('itemFailed') and skipped; the
 * failures are returned (in the order they happened). An aborted `signal` stops the loop before
 * the next item (the items in progress are finished).
 */
export async function forEachItem<T>(
  items: T[],
  name: (item: T) => string,
  work: (item: T, index: number) => Promise<void>,
  onEvent?: (e: ItemEvent) => void,
  signal?: AbortSignal,
  concurrency = 1,
): Promise<ItemFailure[]> {
  const failures: ItemFailure[] = [];
  const total = items.length;
  let next = 0;
  const runner = async (): Promise<void> => {
    while (next < total) {
      if (signal?.aborted) break;
      const index = next++;
      const item = items[index];
      const n = name(item);
      onEvent?.({ type: 'item', name: n, index, total });
      try {
        await work(item, index);
      } catch (error) {
        failures.push({ name: n, error });
        onEvent?.({ type: 'itemFailed', name: n, index, total, error });
        continue;
      }
      onEvent?.({ type: 'itemDone', name: n, index, total });
    }
  };
  const lanes = Math.max(1, Math.min(Math.floor(concurrency) || 1, total));
  await Promise.all(Array.from({ length: lanes }, runner));
  return failures;
}
