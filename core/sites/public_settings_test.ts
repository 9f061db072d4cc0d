import assert from "node:assert/strict";
import type { Site } from "../../db/store.ts";
import { DEFAULT_WIDGET_SETTINGS, type WidgetSettings } from "../../protocol/site_settings.ts";
import { publicSettings, resolveLocale, siteRecord, welcomeDetails } from "./public_settings.ts";

function site(settings: Partial<WidgetSettings> = {}): Site {
  return {
    id: "shop",
    name: "Shop",
    identitySecret: "s".repeat(64),
    allowedOrigins: [],
    requireVerified: false,
    autoAssign: false,
    settings: { ...DEFAULT_WIDGET_SETTINGS, ...settings },
    createdAt: "2026-01-01T00:00:00.000Z",
  };
}

const NOON = new Date("2026-03-04T12:00:00Z");

Deno.test("resolveLocale() prefers data-locale, then the browser's when allowed, then the site's", () => {
  const s = site({ locale: "de" });
  assert.equal(resolveLocale(s, { locale: "fr", languages: ["es"] }), "fr");
  assert.equal(resolveLocale(s, { locale: "fr-CA" }), "fr");
  assert.equal(resolveLocale(s, { locale: "ru", languages: ["ru-RU", "pt-BR", "en"] }), "pt");
  assert.equal(resolveLocale(s, { languages: ["ja", "ko"] }), "de");
  assert.equal(resolveLocale(s, {}), "de");
  const fixed = site({ locale: "nl", matchBrowserLocale: false });
  assert.equal(resolveLocale(fixed, { languages: ["fr"] }), "nl");
  assert.equal(resolveLocale(fixed, { locale: "he" }), "he");
});

Deno.test("publicSettings() resolves texts for the locale, then the site's locale", () => {
  const s = site({
    locale: "fr",
    greeting: { en: "Hi!", fr: "Bonjour !" },
    teamName: "Fernhill",
    replyTime: { fr: "Répond en quelques minutes" },
    awayMessage: null,
  });
  const en = publicSettings(s, "en", NOON);
  assert.equal(en.greeting, "Hi!");
  assert.equal(en.teamName, "Fernhill");
  assert.equal(en.replyTime, "Répond en quelques minutes");
  assert.equal(en.awayMessage, null);
  assert.equal(publicSettings(s, "de", NOON).greeting, "Bonjour !");
});

Deno.test("publicSettings() gives launcher labels, direction and a readable text colour", () => {
  const plain = publicSettings(site({ color: "#ffd43b" }), "ar", NOON);
  assert.equal(plain.dir, "rtl");
  assert.equal(plain.colorText, "#000000");
  assert.equal(plain.openLabel, "فتح الدردشة");
  assert.equal(plain.closeLabel, "إغلاق الدردشة");
  assert.equal(plain.launcherLabel, null);
  const labelled = publicSettings(
    site({ color: "#3b4fd8", launcherLabel: { en: "Talk to us" } }),
    "en",
    NOON,
  );
  assert.equal(labelled.dir, "ltr");
  assert.equal(labelled.colorText, "#ffffff");
  assert.equal(labelled.openLabel, "Talk to us");
  assert.equal(labelled.launcherLabel, "Talk to us");
  assert.equal(labelled.closeLabel, "Close chat");
});

Deno.test("publicSettings() says whether the team is within business hours", () => {
  const always = publicSettings(site(), "en", NOON);
  assert.deepEqual([always.open, always.nextOpen, always.businessHours], [true, null, null]);
  const businessHours = {
    timezone: "UTC",
    days: { wed: [["14:00", "18:00"]] },
  } satisfies WidgetSettings["businessHours"];
  const later = publicSettings(site({ businessHours }), "en", NOON);
  assert.equal(later.open, false);
  assert.equal(later.nextOpen, "2026-03-04T14:00:00.000Z");
  assert.deepEqual(later.businessHours, businessHours);
});

Deno.test("welcomeDetails() uses the site's texts, then the server's, then none", () => {
  const fallback = { name: "Server team", replyTime: "" };
  const own = welcomeDetails(
    site({ teamName: { en: "Ann & Bob", fr: "Ann et Bob" }, locale: "en" }),
    "fr-FR",
    fallback,
    NOON,
  );
  assert.deepEqual(own.team, { name: "Ann et Bob", replyTime: "" });
  assert.deepEqual(own.hours, { open: true, nextOpen: null });
  assert.deepEqual(
    welcomeDetails(site({ replyTime: "Within a day" }), "xx", fallback, NOON).team,
    { name: "Server team", replyTime: "Within a day" },
  );
  const closed = welcomeDetails(
    site({ businessHours: { timezone: "UTC", days: {} } }),
    undefined,
    { name: "", replyTime: "" },
    NOON,
  );
  assert.deepEqual(closed, {
    team: { name: "", replyTime: "" },
    hours: { open: false, nextOpen: null },
  });
});

Deno.test("siteRecord() lays settings flat and leaves out the identity secret", () => {
  const record = siteRecord(site({ color: "#000000" }), 4);
  assert.equal(record.color, "#000000");
  assert.equal(record.conversationCount, 4);
  assert.equal(record.id, "shop");
  assert.ok(!("identitySecret" in record));
  assert.ok(!("settings" in record));
});
