/**
 * API tokens of the public REST API (`/api/v1`, docs/api.md): admins create, list and revoke
 * them; every API request presents one as `Authorization: Bearer <token>`.
 *
 * A token reads `parley_<id>_<secret>`: the prefix lets secret scanners recognise a leaked one,
 * the id (32 hex digits) finds its row, and the secret (32 random bytes, base64url) is checked
 * against the stored SHA-256 in constant time. The secret is returned once, by {@link
 * ApiTokens.create}; the store keeps only its hash, and nothing here logs it.
 *
 * @module
 */

import { recordAdminAction } from "../privacy/audit.ts";
import { ErrorCode } from "../../protocol/codes.ts";
import type { ApiTokenRecord, Store } from "../../db/store.ts";
import type { AgentRecord } from "../../db/store.ts";
import { requireAdmin } from "../accounts/agents.ts";
import { randomToken, safeEqual, sha256Hex } from "../accounts/tokens.ts";
import { ParleyError } from "../errors.ts";

/** What every API token starts with. */
export const API_TOKEN_PREFIX = "parley_";

const TOKEN_SHAPE = /^parley_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;

/** Longest token name. */
export const MAX_TOKEN_NAME = 80;
/** Most sites a token may be limited to. */
export const MAX_TOKEN_SITES = 200;
/** How often a token's `lastUsedAt` is written at most (the store also checks). */
const TOUCH_EVERY_MS = 60_000;

/** What an admin asks for when creating a token (validated at the HTTP boundary). */
export interface NewTokenRequest {
  name: string;
  scope: "read" | "write";
  /** Site ids; empty: every site. */
  sites: readonly string[];
}

/** Token management and verification. */
export class ApiTokens {
  /** When this instance last recorded each token's use, by id. */
  readonly #touched = new Map<string, number>();

  /** Creates the service over `store`. */
  constructor(
    private readonly store: Store,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Creates a token for an admin and returns it with its secret, the only time the secret is
   * available. Throws `forbidden` for a non-admin, `bad_frame` naming a site that does not exist.
   */
  async create(
    actor: AgentRecord,
    req: NewTokenRequest,
  ): Promise<{ token: ApiTokenRecord; secret: string }> {
    requireAdmin(actor);
    const name = req.name.trim();
    if (name.length === 0) throw new ParleyError(ErrorCode.BadFrame, "name must not be empty");
    const sites = [...new Set(req.sites)];
    for (const id of sites) {
      if (!await this.store.getSite(id, { fresh: true })) {
        throw new ParleyError(ErrorCode.BadFrame, `sites: no site ${id.slice(0, 48)}`);
      }
    }
    const id = crypto.randomUUID();
    const secret = randomToken(32);
    const token = await this.store.createApiToken({
      id,
      name,
      scope: req.scope,
      sites,
      secretHash: await sha256Hex(secret),
      createdBy: actor.id,
    });
    await recordAdminAction(this.store, actor, "token.create", id, {
      tokenName: name,
      scope: req.scope,
      sites,
    });
    return { token, secret: `${API_TOKEN_PREFIX}${id.replaceAll("-", "")}_${secret}` };
  }

  /** The tokens not revoked (never their secrets). Admins only. */
  list(actor: AgentRecord): Promise<ApiTokenRecord[]> {
    requireAdmin(actor);
    return this.store.listApiTokens();
  }

  /** Revokes a token: it stops working at once, on every instance. Admins only; `not_found`. */
  async revoke(actor: AgentRecord, id: string): Promise<void> {
    requireAdmin(actor);
    if (!await this.store.revokeApiToken(id)) {
      throw new ParleyError(ErrorCode.NotFound, "No such token");
    }
    this.#touched.delete(id);
    await recordAdminAction(this.store, actor, "token.revoke", id);
  }

  /**
   * The token a bearer value names, or null when it is malformed, unknown, revoked or its
   * secret is wrong (the caller answers all of these alike: 401). Notes the use, at most once a
   * minute per token.
   */
  async verify(bearer: string): Promise<ApiTokenRecord | null> {
    const m = TOKEN_SHAPE.exec(bearer);
    if (!m) return null;
    const h = m[1];
    const id = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${
      h.slice(20)
    }`;
    const found = await this.store.getApiTokenSecret(id);
    // Hashed either way, so an unknown id costs what a known one does.
    const presented = await sha256Hex(m[2]);
    if (!found || !safeEqual(presented, found.secretHash)) return null;
    const now = this.now();
    const last = this.#touched.get(id);
    if (last === undefined || now - last >= TOUCH_EVERY_MS) {
      this.#touched.set(id, now);
      await this.store.touchApiToken(id);
    }
    return found.token;
  }
}
