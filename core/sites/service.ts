/**
 * Site management for admins (list, create, edit, delete, rotate the identity secret) and the
 * public settings the widget loader reads. Admin operations check the actor first, so an agent
 * learns nothing from validation errors.
 *
 * @module
 */

import type { SiteRecord } from "../../protocol/api.ts";
import { ErrorCode } from "../../protocol/codes.ts";
import type { PublicWidgetSettings } from "../../protocol/site_settings.ts";
import type { Obj } from "../../protocol/validate.ts";
import { type AgentRecord, type Site, type Store, StoreError } from "../../db/store.ts";
import { requireAdmin } from "../accounts/agents.ts";
import { recordAdminAction } from "../privacy/audit.ts";
import { ParleyError } from "../errors.ts";
import { type LocaleHints, publicSettings, resolveLocale, siteRecord } from "./public_settings.ts";
import { MAX_SITE_ID, parseNewSite, parseSitePatch, slugify } from "./validate.ts";

/** Collaborators of {@link SiteService}. */
export interface SiteServiceDeps {
  store: Store;
  /** The current time (business hours); injectable for tests. */
  now?: () => Date;
}

/** Numbered ids tried for a name whose slug is taken ("shop-2"…), before a random suffix. */
const NUMBERED_TRIES = 20;

/** Sites: admin management and the public widget settings. */
export class SiteService {
  /** Creates the service. */
  constructor(private readonly deps: SiteServiceDeps) {}

  /** Every site, by name, with its conversation count (admins only). */
  async list(actor: AgentRecord): Promise<SiteRecord[]> {
    requireAdmin(actor);
    const { store } = this.deps;
    const [sites, counts] = await Promise.all([store.listSites(), store.siteConversationCounts()]);
    return sites.map((s) => siteRecord(s, counts.get(s.id) ?? 0));
  }

  /** One site (admins only). Throws `not_found`. */
  async get(actor: AgentRecord, id: string): Promise<SiteRecord> {
    requireAdmin(actor);
    return await this.record(await this.require(id));
  }

  /**
   * Creates a site from a `POST /api/sites` body (admins only); returns it with its identity
   * secret, which is shown this once. Without an `id`, the slug of the name is used, numbered
   * when taken ("shop", "shop-2"…). Throws `bad_frame` naming a bad field and `conflict` when
   * the given id is taken.
   */
  async create(
    actor: AgentRecord,
    body: Obj,
  ): Promise<{ site: SiteRecord; identitySecret: string }> {
    requireAdmin(actor);
    const { id, ...fields } = parseNewSite(body);
    const create = (siteId: string) => this.deps.store.createSite({ ...fields, id: siteId });
    const site = id === null
      ? await this.createWithSlug(slugify(fields.name), create)
      : await create(id).catch((err) => {
        throw conflictAsTaken(err, id);
      });
    await recordAdminAction(this.deps.store, actor, "site.create", site.id, { name: site.name });
    return { site: siteRecord(site, 0), identitySecret: site.identitySecret };
  }

  /** Tries `base`, `base-2`… then `base-<random>` until an id is free. */
  private async createWithSlug(
    base: string,
    create: (id: string) => Promise<Site>,
  ): Promise<Site> {
    for (let n = 1; n <= NUMBERED_TRIES + 1; n++) {
      const suffix = n === 1 ? "" : n <= NUMBERED_TRIES ? `-${n}` : `-${randomSuffix()}`;
      const id = `${base.slice(0, MAX_SITE_ID - suffix.length).replace(/-+$/, "")}${suffix}`;
      try {
        return await create(id);
      } catch (err) {
        if (!(err instanceof StoreError && err.code === "conflict")) throw err;
      }
    }
    throw new ParleyError(ErrorCode.Conflict, "No free id for this name; give an id");
  }

  /** Applies a `PATCH /api/sites/:id` body (admins only). Throws `bad_frame`, `not_found`. */
  async update(actor: AgentRecord, id: string, body: Obj): Promise<SiteRecord> {
    requireAdmin(actor);
    const patch = parseSitePatch(body, id);
    const before = await this.deps.store.getSite(id, { fresh: true });
    const site = await this.deps.store.updateSite(id, patch);
    // The console sends the whole form: the log names the fields whose value changed.
    const was = before ? siteRecord(before, 0) : null;
    const now = siteRecord(site, 0);
    const { settings, ...fields } = patch;
    const keys = [...Object.keys(fields), ...Object.keys(settings ?? {})] as (keyof SiteRecord)[];
    const changed = keys.filter((k) => JSON.stringify(was?.[k]) !== JSON.stringify(now[k]));
    await recordAdminAction(this.deps.store, actor, "site.update", id, { fields: changed });
    return await this.record(site);
  }

  /**
   * Deletes a site (admins only). Refused with `conflict` while it has conversations, unless
   * `force`, which deletes them and its visitors too. Throws `not_found`.
   */
  async remove(actor: AgentRecord, id: string, force: boolean): Promise<void> {
    requireAdmin(actor);
    await this.deps.store.deleteSite(id, { force });
    await recordAdminAction(this.deps.store, actor, "site.delete", id, { force });
  }

  /** Replaces the identity secret (admins only) and returns it, shown this once. `not_found`. */
  async rotateSecret(actor: AgentRecord, id: string): Promise<string> {
    requireAdmin(actor);
    const secret = await this.deps.store.rotateIdentitySecret(id);
    await recordAdminAction(this.deps.store, actor, "site.rotate_secret", id);
    return secret;
  }

  /**
   * The settings the widget loader reads for a visitor. Throws `site_not_found` for an unknown
   * site and `forbidden` when the request comes from a page whose `origin` the site does not
   * allow (no `Origin`: not a cross-origin browser request, answered).
   */
  async publicSettings(
    id: string,
    hints: LocaleHints,
    origin: string | null,
  ): Promise<PublicWidgetSettings> {
    const site = await this.deps.store.getSite(id);
    if (!site) throw new ParleyError(ErrorCode.SiteNotFound, `Unknown site: ${id.slice(0, 60)}`);
    if (
      origin !== null && site.allowedOrigins.length > 0 && !site.allowedOrigins.includes(origin)
    ) {
      throw new ParleyError(ErrorCode.Forbidden, "Origin not allowed for this site");
    }
    return publicSettings(site, resolveLocale(site, hints), this.now());
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** The site for an admin: read fresh, as another instance may have just changed it. */
  private async require(id: string): Promise<Site> {
    const site = await this.deps.store.getSite(id, { fresh: true });
    if (!site) throw new ParleyError(ErrorCode.NotFound, "Site not found");
    return site;
  }

  private async record(site: Site): Promise<SiteRecord> {
    return siteRecord(site, await this.deps.store.countSiteConversations(site.id));
  }
}

function conflictAsTaken(err: unknown, id: string): unknown {
  if (err instanceof StoreError && err.code === "conflict") {
    return new ParleyError(ErrorCode.Conflict, `Site id ${id} is taken`, { cause: err });
  }
  return err;
}

function randomSuffix(): string {
  return crypto.randomUUID().slice(0, 6);
}
