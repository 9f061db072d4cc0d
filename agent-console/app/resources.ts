/**
 * State loaded over HTTP rather than the socket: canned responses, message search, the team
 * list and the agent's own profile. A `createModel` model like the console model, so components
 * stay dumb and errors become notices rather than exceptions.
 *
 * @module
 */

import { computed, createModel, signal } from "@preact/signals";
import type { AgentInfo } from "../../protocol/frames.ts";
import type { CannedResponse } from "../../protocol/api.ts";
import {
  type AgentUpdate,
  ApiError,
  type ConsoleApi,
  errorText,
  hasSearchFilters,
  type NewAgent,
  type SearchFilters,
  type SearchHit,
} from "./api.ts";

/** No search filter. */
export const NO_SEARCH_FILTERS: Readonly<SearchFilters> = {
  label: "",
  site: "",
  agent: "",
  status: "",
  from: "",
  to: "",
};

/**
 * The filters as the server takes them: the date fields (`YYYY-MM-DD`) become the agent's own
 * midnights, `to` the one after its day, so both days are whole days where the agent is.
 */
function serverFilters(f: SearchFilters): SearchFilters {
  const midnight = (day: string, add: number) => {
    const [y, m, d] = day.split("-").map(Number);
    return day === "" ? "" : new Date(y, m - 1, d + add).toISOString();
  };
  return { ...f, from: midnight(f.from, 0), to: midnight(f.to, 1) };
}

/** What {@link createResources} needs. */
export interface ResourcesDeps {
  api: ConsoleApi;
  /** Shows a notice to the agent. */
  notify(text: string, tone?: "info" | "error"): void;
  /** Called with an agent row the server returned (keeps the live agent list fresh). */
  onAgent(agent: AgentInfo): void;
}

const ResourcesClass = createModel((deps: ResourcesDeps) => {
  const canned = signal<readonly CannedResponse[]>([]);
  const searchQuery = signal("");
  const searchHits = signal<readonly SearchHit[] | null>(null);
  const searchFilters = signal<Readonly<SearchFilters>>(NO_SEARCH_FILTERS);
  const searching = signal(false);
  const team = signal<readonly AgentInfo[]>([]);
  const sortedCanned = computed(() =>
    [...canned.value].sort((a, b) => a.shortcut.localeCompare(b.shortcut))
  );
  let searchSeq = 0;
  const search = async (q: string) => {
    const query = q.trim();
    searchQuery.value = query;
    const mine = ++searchSeq;
    const filters = searchFilters.value;
    if (query === "" && !hasSearchFilters(filters)) {
      searchHits.value = [];
      searching.value = false;
      return;
    }
    searching.value = true;
    try {
      const hits = await deps.api.search(query, 30, serverFilters(filters));
      if (mine === searchSeq) searchHits.value = hits;
    } catch (err) {
      if (mine === searchSeq) {
        searchHits.value = [];
        deps.notify(`Search failed: ${errorText(err)}`);
      }
    } finally {
      if (mine === searchSeq) searching.value = false;
    }
  };

  return {
    canned: sortedCanned,
    searchQuery,
    searchFilters,
    searchHits,
    searching,
    team,

    /** Loads canned responses (own and shared). */
    async loadCanned() {
      try {
        canned.value = await deps.api.canned();
      } catch (err) {
        deps.notify(`Could not load canned responses: ${errorText(err)}`);
      }
    },
    /** Adds a canned response; returns true on success. */
    async addCanned(shortcut: string, body: string, shared: boolean): Promise<boolean> {
      try {
        const c = await deps.api.createCanned({ shortcut, body, shared });
        canned.value = [...canned.value, c];
        deps.notify(`Saved /${c.shortcut}`, "info");
        return true;
      } catch (err) {
        deps.notify(
          err instanceof ApiError && err.status === 409
            ? `A canned response /${shortcut} already exists`
            : `Could not save: ${errorText(err)}`,
        );
        return false;
      }
    },
    /** Deletes a canned response. */
    async removeCanned(id: string) {
      try {
        await deps.api.deleteCanned(id);
        canned.value = canned.value.filter((c) => c.id !== id);
      } catch (err) {
        deps.notify(`Could not delete: ${errorText(err)}`);
      }
    },
    /**
     * Searches by words and the current filters and shows the results (with neither, an empty
     * list: the view opens for the agent to choose filters).
     */
    search,
    /** Changes one filter and searches again with the same words. */
    setSearchFilter(name: keyof SearchFilters, value: string) {
      searchFilters.value = { ...searchFilters.value, [name]: value };
      return search(searchQuery.value);
    },
    /** Closes the search results and forgets the filters. */
    clearSearch() {
      searchSeq++;
      searchQuery.value = "";
      searchFilters.value = NO_SEARCH_FILTERS;
      searchHits.value = null;
      searching.value = false;
    },
    /** Loads every agent (admins see disabled ones too). */
    async loadTeam() {
      try {
        team.value = await deps.api.agents();
      } catch (err) {
        deps.notify(`Could not load the team: ${errorText(err)}`);
      }
    },
    /** Creates an agent (admin). Returns true on success. */
    async addAgent(agent: NewAgent): Promise<boolean> {
      try {
        const a = await deps.api.createAgent(agent);
        team.value = [...team.value, a];
        deps.onAgent(a);
        deps.notify(`Added ${a.name}`, "info");
        return true;
      } catch (err) {
        deps.notify(
          err instanceof ApiError && err.status === 409
            ? `An agent with the email ${agent.email} already exists`
            : `Could not add the agent: ${errorText(err)}`,
        );
        return false;
      }
    },
    /** Updates an agent (admin): rename, avatar, role, capacity, disable or re-enable. */
    async updateAgent(id: string, patch: AgentUpdate): Promise<boolean> {
      try {
        const a = await deps.api.updateAgent(id, patch);
        team.value = team.value.map((x) => x.id === id ? a : x);
        deps.onAgent(a);
        return true;
      } catch (err) {
        deps.notify(`Could not update the agent: ${errorText(err)}`);
        return false;
      }
    },
    /** Sets another agent's password (admin); the server signs them out everywhere. */
    async resetPassword(agent: AgentInfo, password: string): Promise<boolean> {
      try {
        await deps.api.resetPassword(agent.id, password);
        deps.notify(`Password of ${agent.name} reset; their sessions were signed out`, "info");
        return true;
      } catch (err) {
        deps.notify(`Could not reset the password: ${errorText(err)}`);
        return false;
      }
    },
    /** Updates the signed-in agent's display name or avatar. */
    async updateProfile(patch: { name?: string; avatar?: string | null }): Promise<boolean> {
      try {
        deps.onAgent(await deps.api.updateMe(patch));
        deps.notify("Profile saved", "info");
        return true;
      } catch (err) {
        deps.notify(`Could not save the profile: ${errorText(err)}`);
        return false;
      }
    },
    /** Changes the signed-in agent's password. */
    async changePassword(current: string, next: string): Promise<boolean> {
      try {
        await deps.api.changePassword(current, next);
        deps.notify("Password changed", "info");
        return true;
      } catch (err) {
        deps.notify(
          err instanceof ApiError && err.status === 403
            ? "The current password is wrong"
            : `Could not change the password: ${errorText(err)}`,
        );
        return false;
      }
    },
  };
});

/** HTTP-backed console state. Dispose with `resources[Symbol.dispose]()`. */
export type Resources = InstanceType<typeof ResourcesClass>;

/** Creates the HTTP-backed state for one signed-in session. */
export function createResources(deps: ResourcesDeps): Resources {
  return new ResourcesClass(deps);
}
