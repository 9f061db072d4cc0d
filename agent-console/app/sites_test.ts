import assert from "node:assert/strict";
import type { SiteRecord } from "../../protocol/api.ts";
import { DEFAULT_WIDGET_SETTINGS } from "../../protocol/site_settings.ts";
import { createApi } from "./api.ts";
import type { ConsoleApi, ConversationListQuery } from "./api.ts";
import { createConsoleModel } from "./model.ts";
import {
  draftColor,
  draftFields,
  newSiteDraft,
  parseOrigins,
  siteDraft,
  siteSnippet,
  textDraft,
  textValue,
} from "./site_form.ts";
import { createSiteScope } from "./site_scope.ts";
import type { SiteRef } from "./site_decode.ts";
import { agent, summary } from "./test_fakes.ts";
import { waitUntil } from "../../tests/helpers/wait.ts";

function site(patch: Partial<SiteRecord> = {}): SiteRecord {
  return {
    ...DEFAULT_WIDGET_SETTINGS,
    id: "shop",
    name: "Shop",
    allowedOrigins: [],
    requireVerified: false,
    autoAssign: false,
    createdAt: "2024-01-01T00:00:00.000Z",
    conversationCount: 0,
    ...patch,
  };
}

Deno.test("textValue() sends one string for the default language alone, else one per language", () => {
  assert.equal(textValue({}, "en"), null);
  assert.equal(textValue({ en: "  " }, "en"), null);
  assert.equal(textValue({ en: " Hi " }, "en"), "Hi");
  assert.deepEqual(textValue({ fr: "Salut" }, "en"), { fr: "Salut" });
  assert.deepEqual(textValue({ en: "Hi", fr: "Salut", de: "" }, "en"), { en: "Hi", fr: "Salut" });
});

Deno.test("textDraft() shows a text for every language as the default language's entry", () => {
  assert.deepEqual(textDraft(null, "fr"), {});
  assert.deepEqual(textDraft("Bonjour", "fr"), { fr: "Bonjour" });
  assert.deepEqual(textDraft({ en: "Hi", ar: "مرحبا" }, "fr"), { en: "Hi", ar: "مرحبا" });
  // A round trip keeps what the server stored.
  assert.equal(textValue(textDraft("Bonjour", "fr"), "fr"), "Bonjour");
});

Deno.test("draftFields() states every field; hours drop blank ranges and closed days", () => {
  const d = siteDraft(site({
    allowedOrigins: ["https://a.example", "https://b.example"],
    greeting: { en: "Hi", fr: "Salut" },
    businessHours: { timezone: "Europe/Paris", days: { mon: [["09:00", "17:00"]] } },
  }));
  assert.equal(d.origins, "https://a.example\nhttps://b.example");
  d.days.tue = [["", ""]];
  d.days.wed = [["10:00", "12:00"], [" ", ""]];
  d.color = "#FFD43B";
  const f = draftFields(d);
  assert.deepEqual(f.businessHours, {
    timezone: "Europe/Paris",
    days: { mon: [["09:00", "17:00"]], wed: [["10:00", "12:00"]] },
  });
  assert.deepEqual(f.greeting, { en: "Hi", fr: "Salut" });
  assert.equal(f.color, "#ffd43b");
  assert.deepEqual(f.allowedOrigins, ["https://a.example", "https://b.example"]);
  assert.equal(f.teamName, null);
  assert.equal("id" in f, false);
  assert.equal(draftFields({ ...d, hoursOn: false }).businessHours, null);
});

Deno.test("newSiteDraft() starts from the widget defaults with no origins and no hours", () => {
  const f = draftFields({ ...newSiteDraft(), name: " New " });
  assert.equal(f.name, "New");
  assert.equal(f.color, DEFAULT_WIDGET_SETTINGS.color);
  assert.deepEqual(f.allowedOrigins, []);
  assert.equal(f.businessHours, null);
});

Deno.test("parseOrigins(), draftColor() and siteSnippet() read what admins type", () => {
  assert.deepEqual(parseOrigins(" https://a.example\n\nhttps://b.example, https://c.example "), [
    "https://a.example",
    "https://b.example",
    "https://c.example",
  ]);
  assert.equal(draftColor("#Fd3"), "#ffdd33");
  assert.equal(draftColor("#12345", "#000000"), "#000000");
  assert.equal(
    siteSnippet("https://chat.example.com", "shop-2"),
    '<script src="https://chat.example.com/widget.js" data-site="shop-2" async></script>',
  );
});

Deno.test("createApi() decodes sites and refuses a malformed one", async () => {
  const bodies: Record<string, unknown> = {
    "/api/sites": { sites: [site({ greeting: { fr: "Salut" } })] },
    "/api/agent/sites": { sites: [{ id: "shop", name: "Shop" }] },
  };
  const api = createApi("http://x", (url) => {
    const body = bodies[new URL(url).pathname] ?? { sites: [{ ...site(), locale: "xx" }] };
    return Promise.resolve(new Response(JSON.stringify(body)));
  });
  const [s] = await api.sites();
  assert.deepEqual(s.greeting, { fr: "Salut" });
  assert.deepEqual(await api.agentSites(), [{ id: "shop", name: "Shop" }]);
  bodies["/api/sites"] = {
    sites: [{ ...site(), businessHours: { timezone: "UTC", days: { mon: "9-5" } } }],
  };
  await assert.rejects(() => api.sites());
  bodies["/api/sites"] = { sites: [{ ...site(), greeting: { xx: "?" } }] };
  await assert.rejects(() => api.sites());
});

/** A model with a welcome on two sites, and a site scope over a scripted API. */
function scoped(sites: SiteRef[]) {
  const queries: ConversationListQuery[] = [];
  const extra = [summary("o2", { siteId: "outlet" })];
  let listed = sites;
  const api: Pick<ConsoleApi, "agentSites" | "conversations"> = {
    agentSites: () => Promise.resolve(listed),
    conversations: (q) => {
      queries.push(q);
      return Promise.resolve(
        q.status?.includes("resolved") ? [] : extra.filter((c) => !q.site || c.siteId === q.site),
      );
    },
  };
  const me = agent("me", { role: "admin" });
  const model = createConsoleModel({ me, send: () => true });
  model.receive({
    type: "welcome",
    agent: me,
    agents: [me],
    conversations: [summary("d1"), summary("o1", { siteId: "outlet" })],
    heartbeatMs: 25_000,
  });
  const notices: string[] = [];
  const scope = createSiteScope({ api, model, notify: (t) => notices.push(t) });
  return {
    model,
    scope,
    queries,
    notices,
    me,
    setListed(next: SiteRef[]) {
      listed = next;
    },
  };
}

Deno.test("the site filter narrows the lists and counts, not the unread title count", async () => {
  const { model, scope, queries } = scoped([{ id: "demo", name: "Demo" }, {
    id: "outlet",
    name: "Outlet",
  }]);
  await scope.load();
  assert.equal(scope.multiple.value, true);
  assert.equal(scope.label("outlet"), "Outlet");
  assert.equal(model.counts.value.queue, 2);
  await scope.choose("outlet");
  assert.deepEqual(model.lists.value.queue.map((c) => c.id), ["o1", "o2"]);
  assert.equal(model.unreadCount.value, 3);
  assert.deepEqual(queries.map((q) => q.site), ["outlet", "outlet"]);
  await scope.choose(null);
  assert.equal(model.counts.value.queue, 3);
  assert.equal(queries.at(-1)?.site, undefined);
  scope[Symbol.dispose]();
  model[Symbol.dispose]();
});

Deno.test("one site: no filter and no site names", async () => {
  const { model, scope } = scoped([{ id: "demo", name: "Demo" }]);
  await scope.load();
  assert.equal(scope.multiple.value, false);
  assert.equal(scope.label("demo"), null);
  scope[Symbol.dispose]();
  model[Symbol.dispose]();
});

Deno.test("the agent's own sites changing forgets the sites lost and refetches the inbox", async () => {
  const t = scoped([{ id: "demo", name: "Demo" }, { id: "outlet", name: "Outlet" }]);
  await t.scope.load();
  await t.scope.choose("demo");
  t.model.select("d1");
  t.setListed([{ id: "outlet", name: "Outlet" }]);
  t.model.receive({ type: "agent", agent: { ...t.me, sites: ["outlet"] } });
  await waitUntil(() => t.model.conversations.value.has("o2"), "the refetch brought o2");
  assert.deepEqual([...t.model.conversations.value.keys()].sort(), ["o1", "o2"]);
  // The filter named a site the agent lost: back to every site, and the open one closed.
  assert.equal(t.model.siteFilter.value, null);
  assert.equal(t.model.selectedId.value, null);
  t.scope[Symbol.dispose]();
  t.model[Symbol.dispose]();
});
