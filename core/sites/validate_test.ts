import assert from "node:assert/strict";
import { ParleyError } from "../errors.ts";
import {
  allowedOrigins,
  businessHours,
  parseNewSite,
  parseSitePatch,
  slugify,
} from "./validate.ts";

/** Asserts `fn` throws a `bad_frame` ParleyError whose message contains `field`. */
function refuses(fn: () => unknown, field: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ParleyError, `expected a ParleyError, got ${String(err)}`);
    assert.equal(err.code, "bad_frame");
    assert.ok(err.message.includes(field), `"${err.message}" does not name ${field}`);
    return true;
  });
}

Deno.test("parseNewSite() reads every field and normalises it", () => {
  const input = parseNewSite({
    id: "shop-2",
    name: "  Shop  ",
    allowedOrigins: [
      "https://Shop.Example.com/",
      "http://localhost:8080",
      "https://shop.example.com",
    ],
    requireVerified: true,
    autoAssign: false,
    color: "#ABC",
    position: "left",
    launcherLabel: " Chat with us ",
    greeting: { en: "Hi!", fr: "Bonjour !", de: "" },
    teamName: "",
    replyTime: null,
    locale: "fr",
    matchBrowserLocale: false,
    businessHours: {
      timezone: "Europe/Paris",
      days: { mon: [["14:00", "18:00"], ["09:00", "12:00"]], sun: [] },
    },
    awayMessage: "Back soon",
    askEmail: false,
    createdAt: "ignored",
    conversationCount: 3,
  });
  assert.deepEqual(input, {
    id: "shop-2",
    name: "Shop",
    allowedOrigins: ["https://shop.example.com", "http://localhost:8080"],
    requireVerified: true,
    autoAssign: false,
    settings: {
      color: "#aabbcc",
      position: "left",
      launcherLabel: "Chat with us",
      greeting: { en: "Hi!", fr: "Bonjour !" },
      teamName: null,
      replyTime: null,
      locale: "fr",
      matchBrowserLocale: false,
      businessHours: {
        timezone: "Europe/Paris",
        days: { mon: [["09:00", "12:00"], ["14:00", "18:00"]] },
      },
      awayMessage: "Back soon",
      askEmail: false,
    },
  });
});

Deno.test("parseNewSite() needs only a name; no id means one is made from it", () => {
  assert.deepEqual(parseNewSite({ name: "Shop" }), { id: null, name: "Shop", settings: {} });
});

Deno.test("parseNewSite() refuses each bad field by name", () => {
  const cases: [Record<string, unknown>, string][] = [
    [{}, "name"],
    [{ name: "" }, "name"],
    [{ name: "x".repeat(81) }, "name"],
    [{ name: 3 }, "name"],
    [{ name: "S", id: "Shop" }, "id"],
    [{ name: "S", id: "-shop" }, "id"],
    [{ name: "S", id: "shop-" }, "id"],
    [{ name: "S", id: "a".repeat(49) }, "id"],
    [{ name: "S", id: "" }, "id"],
    [{ name: "S", allowedOrigins: "https://a.example" }, "allowedOrigins"],
    [{ name: "S", allowedOrigins: ["https://a.example/path"] }, "allowedOrigins[0]"],
    [
      { name: "S", allowedOrigins: ["https://a.example", "https://b.example?x=1"] },
      "allowedOrigins[1]",
    ],
    [{ name: "S", allowedOrigins: ["ftp://a.example"] }, "allowedOrigins[0]"],
    [{ name: "S", allowedOrigins: ["https://user:pw@a.example"] }, "allowedOrigins[0]"],
    [{ name: "S", allowedOrigins: ["not a url"] }, "allowedOrigins[0]"],
    [{ name: "S", allowedOrigins: [42] }, "allowedOrigins[0]"],
    [
      { name: "S", allowedOrigins: Array.from({ length: 51 }, (_, i) => `https://s${i}.example`) },
      "allowedOrigins",
    ],
    [{ name: "S", requireVerified: "yes" }, "requireVerified"],
    [{ name: "S", autoAssign: null }, "autoAssign"],
    [{ name: "S", color: "blue" }, "color"],
    [{ name: "S", color: "#12345" }, "color"],
    [{ name: "S", color: null }, "color"],
    [{ name: "S", position: "top" }, "position"],
    [{ name: "S", launcherLabel: "x".repeat(81) }, "launcherLabel"],
    [{ name: "S", teamName: { en: "x".repeat(81) } }, "teamName.en"],
    [{ name: "S", replyTime: 5 }, "replyTime"],
    [{ name: "S", greeting: "x".repeat(501) }, "greeting"],
    [{ name: "S", greeting: { xx: "Hi" } }, "greeting"],
    [{ name: "S", greeting: { fr: 1 } }, "greeting.fr"],
    [{ name: "S", awayMessage: ["Away"] }, "awayMessage"],
    [{ name: "S", locale: "ru" }, "locale"],
    [{ name: "S", matchBrowserLocale: 1 }, "matchBrowserLocale"],
    [{ name: "S", askEmail: "true" }, "askEmail"],
    [{ name: "S", businessHours: "9-5" }, "businessHours"],
    [{ name: "S", identitySecret: "mine" }, "identitySecret"],
  ];
  for (const [body, field] of cases) refuses(() => parseNewSite(body), field);
});

Deno.test("businessHours() refuses bad zones, days and ranges by name", () => {
  const week = (days: unknown) => ({ timezone: "UTC", days });
  refuses(() => businessHours({ timezone: "Mars/Olympus", days: {} }), "businessHours.timezone");
  refuses(() => businessHours({ days: {} }), "businessHours.timezone");
  refuses(() => businessHours({ timezone: "UTC" }), "businessHours.days");
  refuses(() => businessHours({ timezone: "UTC", days: {}, extra: 1 }), "businessHours");
  refuses(() => businessHours(week({ monday: [] })), "businessHours.days");
  refuses(() => businessHours(week({ mon: "09:00-17:00" })), "businessHours.days.mon");
  refuses(() => businessHours(week({ tue: [["9:00", "17:00"]] })), "businessHours.days.tue[0]");
  refuses(() => businessHours(week({ tue: [["09:00", "24:01"]] })), "businessHours.days.tue[0]");
  refuses(() => businessHours(week({ tue: [["09:60", "10:00"]] })), "businessHours.days.tue[0]");
  refuses(() => businessHours(week({ wed: [["09:00"]] })), "businessHours.days.wed[0]");
  refuses(() => businessHours(week({ wed: [["10:00", "10:00"]] })), "businessHours.days.wed[0]");
  refuses(() => businessHours(week({ wed: [["24:00", "24:00"]] })), "businessHours.days.wed[0]");
  refuses(
    () =>
      businessHours(week({ thu: [["09:00", "12:00"], ["18:00", "20:00"], ["11:00", "13:00"]] })),
    "businessHours.days.thu",
  );
  refuses(
    () =>
      businessHours(week({ fri: Array.from({ length: 7 }, (_, i) => [`0${i}:00`, `0${i}:30`]) })),
    "businessHours.days.fri",
  );
});

Deno.test("businessHours() accepts 24:00 as an end, touching ranges and null", () => {
  assert.equal(businessHours(null), null);
  assert.deepEqual(
    businessHours({ timezone: "UTC", days: { sat: [["12:00", "24:00"], ["00:00", "12:00"]] } }),
    { timezone: "UTC", days: { sat: [["00:00", "12:00"], ["12:00", "24:00"]] } },
  );
});

Deno.test("allowedOrigins() keeps origins as browsers send them, once each", () => {
  assert.deepEqual(
    allowedOrigins(["https://SHOP.example:443", "http://shop.example:80/", "https://shop.example"]),
    ["https://shop.example", "http://shop.example"],
  );
  assert.deepEqual(allowedOrigins([]), []);
});

Deno.test("parseSitePatch() reads a subset, clears texts with null and keeps the id", () => {
  assert.deepEqual(parseSitePatch({ greeting: null, autoAssign: true }, "shop"), {
    autoAssign: true,
    settings: { greeting: null },
  });
  assert.deepEqual(parseSitePatch({ id: "shop", name: "New" }, "shop"), { name: "New" });
  assert.deepEqual(parseSitePatch({}, "shop"), {});
  refuses(() => parseSitePatch({ id: "other" }, "shop"), "id");
  refuses(() => parseSitePatch({ name: null }, "shop"), "name");
  refuses(() => parseSitePatch({ color: "#zzz" }, "shop"), "color");
  refuses(() => parseSitePatch({ colour: "#fff" }, "shop"), "colour");
});

Deno.test("slugify() makes a site id from a name", () => {
  assert.equal(slugify("Café Noir"), "cafe-noir");
  assert.equal(slugify("  The Shop!! (EU)  "), "the-shop-eu");
  assert.equal(slugify("Ünïcödé ß"), "unicode");
  assert.equal(slugify("商店"), "site");
  assert.equal(slugify("a".repeat(60)).length, 48);
  assert.equal(slugify(`${"a".repeat(47)} b`), "a".repeat(47));
});
