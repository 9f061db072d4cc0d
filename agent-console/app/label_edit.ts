/**
 * What one toggle in the label picker asks the server (pure, unit tested): add the label when
 * the conversation lacks it, else remove it. Only that one label is named, never the whole set,
 * so two quick toggles of different labels (or two agents at once) both apply: a `PUT` of the
 * set the console saw before the first answer came back would undo the first.
 *
 * @module
 */

/** The body of `PATCH /api/conversations/:id/labels`. */
export type LabelEdit = { add: string[] } | { remove: string[] };

/** The change that toggles `labelId` on a conversation whose labels are `current`. */
export function labelToggle(current: readonly string[] | undefined, labelId: string): LabelEdit {
  return (current ?? []).includes(labelId) ? { remove: [labelId] } : { add: [labelId] };
}
