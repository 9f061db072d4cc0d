/**
 * Which sites the signed-in agent sees: the list of `GET /api/agent/sites` (names for the inbox
 * filter and the conversation headers), the inbox's site filter, and the refetch of the inbox
 * when either changes. The agent socket's welcome holds every conversation of the agent's sites,
 * so the filter narrows it locally; the refetch with `?site=` completes it with what the
 * welcome's page limits left out, and brings in a site the agent was just allowed on.
 *
 * @module
 */

import { computed, createModel, effect, signal, untracked } from "@preact/signals";
import { type ConsoleApi, errorText } from "./api.ts";
import type { ConsoleModel } from "./model.ts";
import type { SiteRef } from "./site_decode.ts";

/** What {@link createSiteScope} needs. */
export interface SiteScopeDeps {
  api: Pick<ConsoleApi, "agentSites" | "conversations">;
  model: ConsoleModel;
  /** Shows a notice to the agent. */
  notify(text: string): void;
}

/** Pages matching the welcome snapshot's: open work in full, the latest resolved ones. */
const OPEN_LIMIT = 500;
const RESOLVED_LIMIT = 50;

const SiteScopeClass = createModel((deps: SiteScopeDeps) => {
  const { model } = deps;
  const sites = signal<readonly SiteRef[]>([]);
  const names = computed(() => new Map(sites.value.map((s) => [s.id, s.name])));
  /** Site names and the filter are only worth showing when there is a choice. */
  const multiple = computed(() => sites.value.length > 1);
  let loads = 0;
  let fetches = 0;

  /**
   * Loads the agent's sites. With `prune`, conversations of sites no longer listed are
   * forgotten: the agent lost them, or an admin deleted the site with its conversations.
   */
  async function load(prune: boolean): Promise<readonly SiteRef[] | null> {
    const mine = ++loads;
    try {
      const list = await deps.api.agentSites();
      if (mine !== loads) return null;
      sites.value = list;
      const f = model.siteFilter.peek();
      if (f !== null && !list.some((s) => s.id === f)) model.setSiteFilter(null);
      if (prune) model.keepSites(new Set(list.map((s) => s.id)));
      return list;
    } catch (err) {
      if (mine === loads) deps.notify(`Could not load the sites: ${errorText(err)}`);
      return null;
    }
  }

  async function refetch() {
    const mine = ++fetches;
    const site = model.siteFilter.peek() ?? undefined;
    try {
      const [open, resolved] = await Promise.all([
        deps.api.conversations({ status: ["queued", "open"], limit: OPEN_LIMIT, site }),
        deps.api.conversations({ status: ["resolved"], limit: RESOLVED_LIMIT, site }),
      ]);
      // A later filter's answer wins; the socket keeps what is already held current.
      if (mine === fetches) model.addConversations([...open, ...resolved]);
    } catch (err) {
      if (mine === fetches) deps.notify(`Could not load the conversations: ${errorText(err)}`);
    }
  }

  // The agent's own sites changed (an admin edited them; the `agent` frame says so): the server
  // already scopes this socket to the new sites, the inbox follows without a reconnect.
  let lastSites: string | null = null;
  effect(() => {
    const key = [...model.me.value.sites].sort().join(",");
    const prev = lastSites;
    lastSites = key;
    if (prev === null || prev === key) return;
    untracked(() => {
      void (async () => {
        if (await load(true)) await refetch();
      })();
    });
  });

  return {
    sites,
    names,
    multiple,
    /** The inbox filter: a site id, or null for every site. */
    filter: model.siteFilter,
    /**
     * Loads the agent's sites: at start, and (with `prune`) after an admin created, renamed or
     * deleted one.
     */
    async load(prune = false): Promise<void> {
      await load(prune);
    },
    /** Filters the inbox to one site (null: all) and refetches it with `?site=`. */
    async choose(site: string | null): Promise<void> {
      model.setSiteFilter(site);
      await refetch();
    },
    /** The name of a site, when the agent sees more than one (else null: nothing to tell). */
    label(siteId: string): string | null {
      return multiple.value ? names.value.get(siteId) ?? siteId : null;
    },
  };
});

/** The agent's sites and the inbox filter. Dispose with `scope[Symbol.dispose]()`. */
export type SiteScope = InstanceType<typeof SiteScopeClass>;

/** Creates the site scope of one signed-in session. */
export function createSiteScope(deps: SiteScopeDeps): SiteScope {
  return new SiteScopeClass(deps);
}
