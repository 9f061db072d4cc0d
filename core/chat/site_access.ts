/**
 * Agents limited to sites: the one rule deciding which sites an agent may see, shared by the
 * commands, the fan-out, the projection and the HTTP routes so they never disagree.
 *
 * An agent's `sites` lists the sites they may see and answer; empty means every site. Admins
 * manage every site, so they are never limited: the sites stored on an admin apply only if the
 * role later becomes `agent`.
 *
 * @module
 */

/**
 * The sites an agent may see, as the rest of the core uses it: empty means every site (admins,
 * and agents without a limit).
 */
export function siteLimit(agent: { role: "admin" | "agent"; sites: readonly string[] }): string[] {
  return agent.role === "admin" ? [] : [...agent.sites];
}

/** Whether an agent with the limit `sites` (see {@link siteLimit}) may see site `siteId`. */
export function siteAllowed(sites: readonly string[], siteId: string): boolean {
  return sites.length === 0 || sites.includes(siteId);
}
