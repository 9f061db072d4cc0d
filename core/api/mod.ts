/**
 * The public API's core: API tokens and the per-token request limit. The REST routes are
 * `routes/api_v1*.ts`; see docs/api.md.
 *
 * @module
 */

export { API_TOKEN_PREFIX, ApiTokens, MAX_TOKEN_NAME, MAX_TOKEN_SITES } from "./tokens.ts";
export type { NewTokenRequest } from "./tokens.ts";
export { ApiRateLimiter } from "./rate.ts";
export type { RateDecision } from "./rate.ts";
