/**
 * Merging stored messages by `seq`: the one rule both browser apps use for history pages, live
 * messages and acks. `seq` increases by one per message within a conversation, so it orders and
 * dedupes them.
 *
 * @module
 */

/** What a merge needs of a stored message (the widget's rows and the console's messages). */
export interface Sequenced {
  conversationId: string | null;
  seq: number;
}

/**
 * Merges `incoming` into `list` (ascending `seq`, no duplicates): keeps ascending order and
 * drops copies of a `seq` already present in the same conversation (the first copy wins, so an
 * ack-built message is not replaced by its relayed twin). Returns `list` itself when nothing
 * changed, so signals do not notify needlessly.
 */
export function mergeMessages<T extends Sequenced>(
  list: readonly T[],
  incoming: readonly T[],
): readonly T[] {
  const key = (m: T) => m.conversationId + " " + m.seq;
  const seen = new Set(list.map(key));
  // `add` returns the (truthy) set: a seq passes once, and later copies see it.
  const fresh = incoming.filter((m) => !seen.has(key(m)) && seen.add(key(m)));
  // Usually already in order (appended pages), which the engines' sort handles in linear time.
  return fresh.length ? [...list, ...fresh].sort((a, b) => a.seq - b.seq) : list;
}
