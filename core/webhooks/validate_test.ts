import assert from "node:assert/strict";
import { ValidationError } from "../../protocol/validate.ts";
import { parseNewWebhook, parseWebhookPatch, parseWebhookUrl } from "./validate.ts";

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ValidationError);
    return err.message;
  }
  throw new Error("expected a ValidationError");
}

Deno.test("parseWebhookUrl() takes https and refuses private addresses and http unless allowed", () => {
  assert.equal(
    parseWebhookUrl({ url: " https://hooks.example.com/in?x=1 " }, false),
    "https://hooks.example.com/in?x=1",
  );
  for (
    const url of [
      "http://hooks.example.com/",
      "http://127.0.0.1:8080/",
      "https://127.0.0.1/",
      "https://localhost/",
      "https://10.1.2.3/",
      "https://169.254.169.254/latest/meta-data",
      "https://[::1]/",
      "https://[::ffff:127.0.0.1]/",
      "https://[fd00::1]/",
    ]
  ) assert.match(refusal(() => parseWebhookUrl({ url }, false)), /https|private/, url);
  // Allowed by the operator: private addresses, and http for a loopback host only.
  assert.equal(
    parseWebhookUrl({ url: "http://127.0.0.1:8080/h" }, true),
    "http://127.0.0.1:8080/h",
  );
  assert.equal(parseWebhookUrl({ url: "https://10.1.2.3/" }, true), "https://10.1.2.3/");
  assert.match(refusal(() => parseWebhookUrl({ url: "http://10.1.2.3/" }, true)), /https/);
  for (
    const [url, message] of [
      ["ftp://hooks.example.com/", /https/],
      ["not a url", /absolute URL/],
      ["https://u:p@hooks.example.com/", /credentials/],
      ["https://hooks.example.com/#x", /fragment/],
      [`https://hooks.example.com/${"a".repeat(2000)}`, /longer/],
    ] as const
  ) assert.match(refusal(() => parseWebhookUrl({ url }, false)), message, url);
});

Deno.test("parseNewWebhook() needs known events and defaults notes off and the endpoint on", () => {
  assert.deepEqual(
    parseNewWebhook({
      url: "https://hooks.example.com/",
      events: ["message.created", "conversation.created", "message.created"],
    }, false),
    {
      url: "https://hooks.example.com/",
      events: ["conversation.created", "message.created"],
      includeNotes: false,
      enabled: true,
    },
  );
  const base = { url: "https://hooks.example.com/" };
  assert.match(refusal(() => parseNewWebhook({ ...base, events: [] }, false)), /events/);
  assert.match(refusal(() => parseNewWebhook({ ...base, events: ["ping"] }, false)), /unknown/);
  assert.match(
    refusal(() => parseNewWebhook({ ...base, events: ["message.created"], secret: "x" }, false)),
    /Unknown field: secret/,
  );
  assert.deepEqual(parseWebhookPatch({ enabled: false }, false), { enabled: false });
  assert.match(refusal(() => parseWebhookPatch({ includeNotes: "yes" }, false)), /includeNotes/);
});
