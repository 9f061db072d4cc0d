import assert from "node:assert/strict";
import { createReplyAddresses } from "./reply_address.ts";

const SECRET = "s".repeat(32);
const ID = "0b9e3c1e-6a4f-4c57-9d44-8f3a2b1c0d9e";

Deno.test("a reply address names its conversation and fits SMTP's 64-character local part", async () => {
  const r = createReplyAddresses("reply@in.example.com", SECRET);
  const address = await r.forConversation(ID);
  assert.match(
    address,
    /^reply\+0b9e3c1e-6a4f-4c57-9d44-8f3a2b1c0d9e\.[0-9a-f]{20}@in\.example\.com$/,
  );
  assert.ok(address.split("@")[0].length <= 64);
  assert.equal(await r.conversationOf([address]), ID);
  // Mail systems may change case, and the address may come with a display name.
  assert.equal(await r.conversationOf([`Support <${address.toUpperCase()}>`]), ID);
  assert.equal(await r.conversationOf(["someone@else.test", address]), ID);
});

Deno.test("a forged, altered or foreign reply address names no conversation", async () => {
  const r = createReplyAddresses("reply@in.example.com", SECRET);
  const address = await r.forConversation(ID);
  const other = "1b9e3c1e-6a4f-4c57-9d44-8f3a2b1c0d9e";
  const sig = address.split(".")[1].split("@")[0];
  assert.equal(await r.conversationOf([`reply+${other}.${sig}@in.example.com`]), null);
  assert.equal(await r.conversationOf([address.replace("in.example.com", "evil.test")]), null);
  assert.equal(await r.conversationOf([`reply+${ID}.${"0".repeat(20)}@in.example.com`]), null);
  const otherServer = createReplyAddresses("reply@in.example.com", "t".repeat(32));
  assert.equal(await otherServer.conversationOf([address]), null);
  assert.equal(await r.conversationOf(["reply@in.example.com", "", "<>"]), null);
});
