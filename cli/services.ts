/**
 * The domain services the CLI drives, built over the opened store: the same `AgentService` and
 * `SiteService` the HTTP API uses, so the CLI validates exactly as the API does (password
 * length, known sites, site ids and origins) and publishes the same events.
 *
 * @module
 */

import { AccountDelay } from "../core/accounts/account_delay.ts";
import { AgentService } from "../core/accounts/agents.ts";
import { createKnownBrowsers } from "../core/accounts/known_browser.ts";
import { randomToken } from "../core/accounts/tokens.ts";
import { KeyedLimiter } from "../core/rate_limit.ts";
import { SiteService } from "../core/sites/mod.ts";
import type { AgentRecord, DbStore } from "../db/mod.ts";
import type { Config } from "../server/config.ts";
import { createNotifyBus, type NotifyBus } from "./notify_bus.ts";

/** What the commands work with. */
export interface Services {
  store: DbStore;
  agents: AgentService;
  sites: SiteService;
  /** Collects the events to tell running servers; flushed when the command ends. */
  bus: NotifyBus;
  /**
   * The actor the services check for admin rights: the operator at the shell, who holds the
   * database credentials and so every right already. Its id is no agent's, so "you cannot
   * disable yourself" never applies.
   */
  operator: AgentRecord;
}

/** The operator as an actor (never stored). */
const OPERATOR: AgentRecord = {
  id: "admin-cli",
  email: "admin-cli@localhost",
  name: "Admin CLI",
  avatar: null,
  role: "admin",
  disabled: false,
  capacity: 0,
  sites: [],
  passwordHash: "",
  createdAt: new Date(0).toISOString(),
};

/** Builds the services over `store`. */
export function createServices(config: Config, store: DbStore): Services {
  const bus = createNotifyBus(store.db);
  // The CLI never signs anyone in: the sign-in limits and the known-browser signer exist only
  // because the service's constructor takes them. The signer's key is random and unused.
  const agents = new AgentService({
    store,
    bus,
    sessionTtlMs: config.sessionTtlHours * 3_600_000,
    passwordIterations: config.passwordIterations,
    loginPerAccount: new KeyedLimiter(1, 60_000),
    loginPerIp: new KeyedLimiter(1, 60_000),
    loginDelay: new AccountDelay({ freeFailures: 0, baseMs: 0, maxMs: 0, windowMs: 60_000 }),
    knownBrowsers: createKnownBrowsers(randomToken(), 1),
    passwordChecks: new KeyedLimiter(1, 60_000),
  });
  return { store, agents, sites: new SiteService({ store }), bus, operator: OPERATOR };
}
