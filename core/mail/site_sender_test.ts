import assert from "node:assert/strict";
import type { Site } from "../../db/store.ts";
import { createSiteSender } from "./site_sender.ts";

Deno.test("siteSender() answers a site's sender name and reply-to, null for an unknown site", async () => {
  const sites = new Map<string, Pick<Site, "senderName" | "replyTo">>([
    ["acme", { senderName: "Acme Support", replyTo: "help@acme.example" }],
    ["plain", {}],
  ]);
  const siteSender = createSiteSender({
    getSite: (id) => Promise.resolve((sites.get(id) ?? null) as Site | null),
  });
  assert.deepEqual(await siteSender("acme"), {
    fromName: "Acme Support",
    replyTo: "help@acme.example",
  });
  assert.deepEqual(await siteSender("plain"), { fromName: null, replyTo: null });
  assert.deepEqual(await siteSender("gone"), { fromName: null, replyTo: null });
});
