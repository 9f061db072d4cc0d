/**
 * Canned responses in the composer, as pure functions: the variables filled in when one is
 * inserted, and the check that keeps a mistyped `/command` from reaching the customer.
 *
 * @module
 */

import type { CannedResponse } from "../../protocol/api.ts";
import type { AgentInfo, VisitorInfo } from "../../protocol/frames.ts";

/** What a canned response's variables are filled from. */
export interface CannedContext {
  /** The conversation's visitor, when loaded. */
  visitor: VisitorInfo | null;
  /** The signed-in agent. */
  agent: Pick<AgentInfo, "name">;
}

/**
 * The values of the known variables; null when unknown. A visitor's name counts only once the
 * site identified them: before that it is a name Parley made up ("Amber Otter"), which the
 * visitor has never seen.
 */
function values(ctx: CannedContext): Record<string, string | null> {
  const v = ctx.visitor;
  const name = ctx.agent.name.trim();
  return {
    "visitor.name": v && v.externalId !== null && v.name.trim() !== "" ? v.name.trim() : null,
    "visitor.email": v?.email ?? null,
    "agent.name": name || null,
    "agent.firstName": name.split(/\s+/)[0] || null,
  };
}

/**
 * Fills `{{visitor.name}}`, `{{visitor.email}}`, `{{agent.name}}` and `{{agent.firstName}}` in a
 * canned response. `{{visitor.name|there}}` gives a fallback for a value that is unknown (else
 * it becomes empty); any other `{{…}}` stays as written.
 */
export function fillCanned(body: string, ctx: CannedContext): string {
  const known = values(ctx);
  return body.replace(
    /\{\{\s*([\w.]+)\s*(?:\|([^{}]*))?\}\}/g,
    (whole, key: string, fallback: string | undefined) =>
      key in known ? known[key] ?? fallback?.trim() ?? "" : whole,
  );
}

/**
 * The `/word` a draft starts with when no canned response has that shortcut, else null. Such a
 * draft is most likely a mistyped command: the composer asks before sending it as written.
 */
export function unknownSlash(canned: readonly CannedResponse[], draft: string): string | null {
  const m = /^\s*\/(\S*)/.exec(draft);
  if (!m) return null;
  const word = m[1].toLowerCase();
  return canned.some((c) => c.shortcut.toLowerCase() === word) ? null : `/${m[1]}`;
}
