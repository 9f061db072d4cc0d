/**
 * Visitor reads and updates for many visitors in one statement. Every widget `hello` updates
 * its visitor and reads the current conversation; a reconnect storm sends thousands at once,
 * and `SqlStore` groups them (see `batcher.ts`). Updates share a statement when they set the
 * same fields; each field keeps the meaning it has in `sql_visitors.ts`.
 *
 * @module
 */

import type { Conversation, VisitorPatch, VisitorRecord } from "./store.ts";
import type { Queryable } from "./driver.ts";
import { conversationColumns, rowToConversation, rowToVisitor, visitorColumns } from "./rows.ts";
import { attributesFit, pageSets, VISITOR_PATCH_COLUMNS } from "./sql_visitors.ts";

/** A visitor update waiting for its batch. */
export interface VisitorUpdate {
  id: string;
  patch: VisitorPatch;
}

type Key = keyof VisitorPatch;
type Column = keyof typeof VISITOR_PATCH_COLUMNS;
/** Every patch field, in a fixed order. */
const KEYS: Key[] = [...Object.keys(VISITOR_PATCH_COLUMNS) as Column[], "attributes", "page"];
/** The plain columns that are booleans; the others are text. */
const BOOLEANS: ReadonlySet<Key> = new Set<Key>(["verified", "emailVerified", "nameVerified"]);

/** The fields a patch sets, as a stable string: updates with equal shapes share a statement. */
export function shapeOf(patch: VisitorPatch): string {
  return KEYS.filter((k) => patch[k] !== undefined).join(",");
}

/**
 * Applies updates of one shape to distinct visitors; returns the updated rows by id. A missing id
 * was not found, or its attributes merge did not fit the total cap (nothing written for it): the
 * caller tells the two apart on the single-row path. The SQL is built only from the constant
 * fragments above.
 */
export async function updateVisitorsOfShape(
  db: Queryable,
  updates: VisitorUpdate[],
): Promise<Map<string, VisitorRecord>> {
  const keys = shapeOf(updates[0].patch).split(",").filter((k) => k !== "") as Key[];
  const params: unknown[] = [updates.map((u) => u.id)];
  const inputs = ["$1::text[]"];
  const names = ["id"];
  const sets: string[] = [];
  const where = ["v.id = u.id"];
  for (const key of keys) {
    const n = params.length + 1;
    const col = `c${n}`;
    names.push(col);
    if (BOOLEANS.has(key)) {
      params.push(updates.map((u) => u.patch[key] ?? null));
      inputs.push(`$${n}::boolean[]`);
      sets.push(`${VISITOR_PATCH_COLUMNS[key as Column]} = u.${col}`);
    } else if (key === "attributes") {
      params.push(updates.map((u) => JSON.stringify(u.patch.attributes ?? {})));
      inputs.push(`$${n}::text[]`);
      sets.push(`attributes = v.attributes || u.${col}::jsonb`);
      where.push(attributesFit(`v.attributes || u.${col}::jsonb`));
    } else if (key === "page") {
      params.push(updates.map((u) => JSON.stringify(u.patch.page ?? null)));
      inputs.push(`$${n}::text[]`);
      sets.push(...pageSets(`u.${col}::jsonb`));
    } else {
      params.push(updates.map((u) => u.patch[key] ?? null));
      inputs.push(`$${n}::text[]`);
      sets.push(`${VISITOR_PATCH_COLUMNS[key as Column]} = u.${col}`);
    }
  }
  const rows = sets.length === 0
    ? await db.query(
      `SELECT ${visitorColumns("v")} FROM visitors v WHERE v.id = ANY($1::text[])`,
      params,
    )
    : await db.query(
      `UPDATE visitors AS v SET ${sets.join(", ")}
       FROM unnest(${inputs.join(", ")}) AS u(${names.join(", ")})
       WHERE ${where.join(" AND ")}
       RETURNING ${visitorColumns("v")}`,
      params,
    );
  return new Map(rows.map((r) => {
    const v = rowToVisitor(r);
    return [v.id, v];
  }));
}

/** Current conversations of several visitors, by visitor id (none: no current conversation). */
export async function currentConversations(
  db: Queryable,
  visitorIds: string[],
): Promise<Map<string, Conversation>> {
  const rows = await db.query(
    `SELECT k.id AS for_visitor, ${conversationColumns("c")}
     FROM unnest($1::text[]) AS k(id)
     CROSS JOIN LATERAL (
       SELECT current_conversation_id FROM visitors WHERE id = k.id LIMIT 1
     ) v
     CROSS JOIN LATERAL (
       SELECT * FROM conversations WHERE id = v.current_conversation_id LIMIT 1
     ) c`,
    [visitorIds],
  );
  return new Map(rows.map((r) => [String(r.for_visitor), rowToConversation(r)]));
}
