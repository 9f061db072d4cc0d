/**
 * Records the HTTP API returns to the console, shared by the server (which builds them) and the
 * console (which reads them). Browser-safe; see `docs/http_api.md`.
 *
 * @module
 */

import type { Message } from "./frames.ts";

/** A canned response (`/shortcut` in the console). `agentId` null means shared by the team. */
export interface CannedResponse {
  id: string;
  agentId: string | null;
  shortcut: string;
  body: string;
  createdAt: string;
}

/** A message search hit. */
export interface SearchHit {
  message: Message;
  visitorName: string;
  rank: number;
}
