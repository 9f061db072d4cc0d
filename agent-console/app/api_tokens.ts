/**
 * Settings → API tokens (admins): the tokens of the public API (docs/api.md) through
 * `GET/POST /api/tokens` and `DELETE /api/tokens/:id`. A new token's secret is held here until
 * the admin dismisses it: the server never shows it again. Loaded with the admin tabs' chunk.
 *
 * @module
 */

import { createModel, signal } from "@preact/signals";
import { object, oneOf, string } from "../../protocol/validate.ts";
import { apiRequest, errorText } from "./api.ts";

/** An API token as listed (never its secret). */
export interface ApiToken {
  id: string;
  name: string;
  scope: "read" | "write";
  /** Site ids; empty: every site. */
  sites: string[];
  createdAt: string;
  lastUsedAt: string | null;
}

/** Validates a token of the server's answer. */
export function decodeToken(v: unknown): ApiToken {
  const o = object(v, "token");
  const sites = o.sites;
  const lastUsed = o.lastUsedAt;
  return {
    id: string(o, "id", 64),
    name: string(o, "name", 200),
    scope: oneOf(o, "scope", ["read", "write"] as const),
    sites: Array.isArray(sites) ? sites.filter((s): s is string => typeof s === "string") : [],
    createdAt: string(o, "createdAt", 40),
    lastUsedAt: typeof lastUsed === "string" ? lastUsed : null,
  };
}

/** What {@link createApiTokens} needs. */
export interface ApiTokensDeps {
  /** Shows a notice. */
  notify(text: string, tone?: "info" | "error"): void;
  /** The request function (the console's, by default; tests inject one). */
  request?: typeof apiRequest;
}

const ApiTokensClass = createModel((deps: ApiTokensDeps) => {
  const request = deps.request ?? apiRequest;
  const tokens = signal<readonly ApiToken[]>([]);
  const loaded = signal(false);
  /** The token just created, with its secret: shown until dismissed. */
  const created = signal<{ token: ApiToken; secret: string } | null>(null);
  return {
    tokens,
    loaded,
    created,
    /** Reads the list. */
    async load() {
      try {
        const data = object(await request("GET", "/api/tokens"));
        const list = data.tokens;
        tokens.value = Array.isArray(list) ? list.map(decodeToken) : [];
        loaded.value = true;
      } catch (err) {
        deps.notify(`Could not load API tokens: ${errorText(err)}`);
      }
    },
    /** Creates a token; its secret is kept in `created`. True on success. */
    async create(input: { name: string; scope: "read" | "write"; sites: string[] }) {
      try {
        const data = object(await request("POST", "/api/tokens", input));
        const token = decodeToken(data.token);
        created.value = { token, secret: string(data, "secret", 200) };
        tokens.value = [token, ...tokens.value];
        return true;
      } catch (err) {
        deps.notify(`Could not create the token: ${errorText(err)}`);
        return false;
      }
    },
    /** Revokes a token; it stops working at once. True on success. */
    async revoke(token: ApiToken) {
      try {
        await request("DELETE", `/api/tokens/${encodeURIComponent(token.id)}`);
        tokens.value = tokens.value.filter((t) => t.id !== token.id);
        if (created.value?.token.id === token.id) created.value = null;
        deps.notify(`Revoked ${token.name}`, "info");
        return true;
      } catch (err) {
        deps.notify(`Could not revoke ${token.name}: ${errorText(err)}`);
        return false;
      }
    },
    /** Forgets the secret shown once. */
    dismiss() {
      created.value = null;
    },
  };
});

/** The API tokens tab's model. */
export type ApiTokens = InstanceType<typeof ApiTokensClass>;

/** Creates the model. */
export function createApiTokens(deps: ApiTokensDeps): ApiTokens {
  return new ApiTokensClass(deps);
}
