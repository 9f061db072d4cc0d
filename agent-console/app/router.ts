/**
 * Hash routes of the console: `#/<view>` or `#/<view>/<conversationId>`. Hash routing keeps the
 * console a single static page that needs nothing from the server beyond `/console`.
 *
 * @module
 */

import { type ViewName, VIEWS } from "./views.ts";

/** Where the console is. */
export interface Route {
  view: ViewName;
  conversationId: string | null;
}

/** Parses `location.hash`; unknown views fall back to the queue. */
export function parseHash(hash: string): Route {
  const [rawView = "", rawId = ""] = hash.replace(/^#\/?/, "").split("/");
  const view: ViewName = VIEWS.find((v) => v === rawView) ?? "queue";
  const id = decodeURIComponent(rawId);
  return { view, conversationId: /^[A-Za-z0-9_-]{1,64}$/.test(id) ? id : null };
}

/** The hash for a route. */
export function formatHash(route: Route): string {
  return route.conversationId === null
    ? `#/${route.view}`
    : `#/${route.view}/${encodeURIComponent(route.conversationId)}`;
}
