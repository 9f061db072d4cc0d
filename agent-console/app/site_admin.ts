/**
 * The Sites tab's state (admins): every site with its settings, and the actions that create,
 * edit, delete and rotate. Actions answer with a result instead of a notice, because the editor
 * shows a refusal (a field the server rejected, a site that still has conversations) beside the
 * form that caused it.
 *
 * @module
 */

import { createModel, signal } from "@preact/signals";
import type { SiteRecord } from "../../protocol/api.ts";
import { ApiError, type ConsoleApi, errorText, type SiteFields } from "./api.ts";

/** What {@link createSiteAdmin} needs. */
export interface SiteAdminDeps {
  api: Pick<
    ConsoleApi,
    "sites" | "site" | "createSite" | "updateSite" | "deleteSite" | "rotateIdentitySecret"
  >;
  /** Called after a site was created, renamed or deleted (the agent's site list follows). */
  onChange(): void;
}

/** An action's outcome: its value, or the server's refusal as text with its status and code. */
export type SiteResult<T> =
  | { ok: true; value: T }
  | { ok: false; status: number; code: string; error: string };

function refused(err: unknown): { ok: false; status: number; code: string; error: string } {
  return err instanceof ApiError
    ? { ok: false, status: err.status, code: err.code, error: err.message }
    : { ok: false, status: 0, code: "internal", error: errorText(err) };
}

const byName = (a: SiteRecord, b: SiteRecord) => a.name.localeCompare(b.name);

const SiteAdminClass = createModel((deps: SiteAdminDeps) => {
  const sites = signal<readonly SiteRecord[]>([]);
  const loaded = signal(false);
  const loadError = signal<string | null>(null);

  function put(site: SiteRecord) {
    const others = sites.value.filter((s) => s.id !== site.id);
    sites.value = [...others, site].sort(byName);
  }

  return {
    sites,
    loaded,
    loadError,
    /** Loads every site. */
    async load(): Promise<void> {
      try {
        sites.value = [...await deps.api.sites()].sort(byName);
        loadError.value = null;
      } catch (err) {
        loadError.value = `Could not load the sites: ${errorText(err)}`;
      } finally {
        loaded.value = true;
      }
    },
    /** Creates a site; the value holds its identity secret, which is never shown again. */
    async create(
      fields: SiteFields & { id?: string },
    ): Promise<SiteResult<{ site: SiteRecord; identitySecret: string }>> {
      try {
        const created = await deps.api.createSite(fields);
        put(created.site);
        deps.onChange();
        return { ok: true, value: created };
      } catch (err) {
        return refused(err);
      }
    },
    /** Saves a site's fields. */
    async update(id: string, fields: Partial<SiteFields>): Promise<SiteResult<SiteRecord>> {
      try {
        const site = await deps.api.updateSite(id, fields);
        put(site);
        deps.onChange();
        return { ok: true, value: site };
      } catch (err) {
        return refused(err);
      }
    },
    /**
     * Deletes a site. Without `force` the server refuses one that has conversations (409
     * `conflict`); the site is then reloaded so the editor can offer to delete them too with
     * their current count.
     */
    async remove(id: string, force = false): Promise<SiteResult<null>> {
      try {
        await deps.api.deleteSite(id, force);
        sites.value = sites.value.filter((s) => s.id !== id);
        deps.onChange();
        return { ok: true, value: null };
      } catch (err) {
        if (err instanceof ApiError && err.status === 409) {
          try {
            put(await deps.api.site(id));
          } catch {
            // The count shown stays the list's: the refusal's message still says how many.
          }
        }
        return refused(err);
      }
    },
    /** Replaces a site's identity secret; the value is the new secret, shown once. */
    async rotate(id: string): Promise<SiteResult<string>> {
      try {
        return { ok: true, value: await deps.api.rotateIdentitySecret(id) };
      } catch (err) {
        return refused(err);
      }
    },
  };
});

/** The Sites tab's state. Dispose with `admin[Symbol.dispose]()`. */
export type SiteAdmin = InstanceType<typeof SiteAdminClass>;

/** Creates the Sites tab's state. */
export function createSiteAdmin(deps: SiteAdminDeps): SiteAdmin {
  return new SiteAdminClass(deps);
}
