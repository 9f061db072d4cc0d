/**
 * Malformed input on every public API route (`/api/v1`, docs/api.md), taken from the routes'
 * own declarations: bodies of the wrong shape, type, size or nesting are a documented 4xx with
 * the one error shape, odd query values never a server error, and nothing is stored from a
 * refused write.
 */

import assert from "node:assert/strict";
import { serverPerFile } from "./helpers/server.ts";
import { fuzzBodies, fuzzQueryValue, Rng } from "./helpers/fuzz.ts";
import { API_V1_ROUTES } from "../routes/api_v1_routes.ts";
import { ErrorCode } from "../protocol/codes.ts";
import { makeToken } from "./api_helpers.ts";

const SEED = Number(Deno.env.get("PARLEY_FUZZ_SEED") ?? Date.now() % 1e9);
const CODES = new Set<string>(Object.values(ErrorCode));
const server = serverPerFile();

Deno.test("every /api/v1 route answers malformed input with a documented error", async () => {
  console.log(`fuzz seed ${SEED} (replay with PARLEY_FUZZ_SEED=${SEED})`);
  const rng = new Rng(SEED);
  const t = server();
  const { secret } = await makeToken(t);
  const v = await t.visitorSocket();
  v.send({ type: "message", clientId: "f1", body: "fuzz me" });
  const ack = await v.nextOf("ack");
  const conversationId = String(ack.conversationId);
  const visitorId = (v.all("welcome")[0] as unknown as { visitor: { id: string } }).visitor.id;
  const lastSeq = async () => (await t.store.getConversation(conversationId))?.lastSeq;
  const seqBefore = await lastSeq();
  try {
    for (const r of API_V1_ROUTES) {
      const path = r.path.replace(
        "{id}",
        r.path.startsWith("/api/v1/visitors") ? visitorId : conversationId,
      );
      const send = async (init: { query?: string; type?: string; body?: string }) => {
        const res = await fetch(`${t.url}${path}${init.query ?? ""}`, {
          method: r.method,
          headers: {
            authorization: `Bearer ${secret}`,
            ...(init.type !== undefined ? { "content-type": init.type } : {}),
          },
          ...(init.body !== undefined ? { body: init.body } : {}),
        });
        const text = await res.text();
        const what = `${r.method} ${path}${init.query ?? ""} ${init.body?.slice(0, 80) ?? ""}`;
        assert.ok(res.status < 500, `${what}: ${res.status} ${text}`);
        if (res.status >= 400) {
          const error = JSON.parse(text).error;
          assert.ok(CODES.has(error?.code), `${what}: documented code in ${text}`);
          assert.equal(typeof error.message, "string");
        }
        return res.status;
      };
      if (r.body) {
        const props = (r.body as { properties?: Record<string, { type?: string }> }).properties ??
          {};
        // Fields of a plain type get values of the wrong one (objects and unions are left to
        // the other strategies, since `{"a": 1}` may well be a valid object).
        const fields: Record<string, "string" | "int" | "bool"> = {};
        for (const [k, schema] of Object.entries(props)) {
          if (schema.type === "string") fields[k] = "string";
          else if (schema.type === "integer") fields[k] = "int";
          else if (schema.type === "boolean") fields[k] = "bool";
        }
        for (const b of fuzzBodies(rng, fields, 60)) {
          const status = await send({ type: b.contentType, body: b.body });
          assert.ok(status >= 400, `${r.method} ${path} took ${b.kind}: ${b.body.slice(0, 80)}`);
        }
      }
      for (const name of Object.keys(r.query?.properties ?? {})) {
        for (let i = 0; i < 20; i++) {
          await send({ query: `?${name}=${encodeURIComponent(fuzzQueryValue(rng))}` });
        }
      }
    }
    assert.equal(await lastSeq(), seqBefore, "no refused write stored a message");
  } finally {
    await v.close();
  }
});
