/**
 * The sites half of the console's scripted server (`console_fake_server.ts`): `/api/sites`,
 * `/api/agent/sites`, agents' `sites` and admin password resets, behaving as SPEC-11 fixes them
 * (admin only, 400 `bad_frame` naming the field, 409 on a taken id and on deleting a site with
 * conversations unless `?force=true`, the identity secret only on creation and rotation).
 *
 * @module
 */

import type { SiteRecord } from "../protocol/api.ts";
import type { AgentInfo, AgentServerFrame, ConversationSummary } from "../protocol/frames.ts";
import {
  DEFAULT_WIDGET_SETTINGS,
  isWidgetLocale,
  WEEKDAYS,
  type WidgetSettings,
} from "../protocol/site_settings.ts";

/** The sites state of the fake server. */
export interface FakeSites {
  sites: Omit<SiteRecord, "conversationCount">[];
  /** Identity secrets by site id (never in a listing). */
  secrets: Record<string, string>;
}

/** What the site routes need from the rest of the fake. */
export interface SiteRouteContext {
  req: Request;
  url: URL;
  me: AgentInfo;
  agents: AgentInfo[];
  passwords: Record<string, string>;
  conversations: ConversationSummary[];
  state: FakeSites;
  broadcast(frame: AgentServerFrame): void;
}

class BadField extends Error {}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
const err = (status: number, code: string, message: string) =>
  json({ error: { code, message } }, status);

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/;
const TIME = /^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/;
const TEXT_MAX: Record<string, number> = {
  launcherLabel: 80,
  teamName: 80,
  replyTime: 80,
  greeting: 500,
  awayMessage: 500,
};

function text(key: string, v: unknown): WidgetSettings["greeting"] {
  const max = TEXT_MAX[key];
  if (v === null) return null;
  if (typeof v === "string") {
    if (v.length > max) throw new BadField(`${key} is longer than ${max}`);
    return v;
  }
  if (typeof v !== "object" || Array.isArray(v)) throw new BadField(`${key} must be a text`);
  const out: Record<string, string> = {};
  for (const [l, t] of Object.entries(v as Record<string, unknown>)) {
    if (!isWidgetLocale(l) || typeof t !== "string" || t.length > max) {
      throw new BadField(`${key}.${l} is not a valid text`);
    }
    out[l] = t;
  }
  return out;
}

function hours(v: unknown): WidgetSettings["businessHours"] {
  if (v === null) return null;
  const h = v as { timezone?: unknown; days?: unknown };
  if (typeof h !== "object" || typeof h.timezone !== "string") {
    throw new BadField("businessHours.timezone is required");
  }
  try {
    new Intl.DateTimeFormat("en", { timeZone: h.timezone });
  } catch {
    throw new BadField(`businessHours.timezone is not a time zone: ${h.timezone}`);
  }
  const days: Record<string, [string, string][]> = {};
  for (const [day, ranges] of Object.entries((h.days ?? {}) as Record<string, unknown>)) {
    if (!(WEEKDAYS as readonly string[]).includes(day) || !Array.isArray(ranges)) {
      throw new BadField(`businessHours.days.${day} is not a weekday`);
    }
    const list = ranges.map((r) => {
      if (!Array.isArray(r) || !TIME.test(String(r[0])) || !TIME.test(String(r[1]))) {
        throw new BadField(`businessHours.days.${day} has a time that is not HH:MM`);
      }
      if (String(r[0]) >= String(r[1])) {
        throw new BadField(`businessHours.days.${day} has a range that ends before it starts`);
      }
      return [String(r[0]), String(r[1])] as [string, string];
    }).sort((a, b) => a[0] < b[0] ? -1 : 1);
    for (let i = 1; i < list.length; i++) {
      if (list[i][0] < list[i - 1][1]) {
        throw new BadField(`businessHours.days.${day} has overlapping ranges`);
      }
    }
    days[day] = list;
  }
  return { timezone: h.timezone, days };
}

/** Validates the POST/PATCH fields present in `body` into a partial site. */
function fields(body: Record<string, unknown>): Partial<SiteRecord> {
  const out: Partial<SiteRecord> = {};
  for (const [k, v] of Object.entries(body)) {
    switch (k) {
      case "id":
        break;
      case "name":
        if (typeof v !== "string" || v.trim().length < 1 || v.length > 80) {
          throw new BadField("name must have 1 to 80 characters");
        }
        out.name = v.trim();
        break;
      case "allowedOrigins":
        if (!Array.isArray(v) || v.length > 50) throw new BadField("allowedOrigins must be a list");
        out.allowedOrigins = v.map((o) => {
          try {
            const u = new URL(String(o));
            if (!/^https?:$/.test(u.protocol) || u.origin !== String(o).replace(/\/$/, "")) {
              throw new Error();
            }
            return u.origin;
          } catch {
            throw new BadField(`allowedOrigins: not an origin: ${String(o).slice(0, 60)}`);
          }
        });
        break;
      case "color": {
        const m = typeof v === "string" && /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(v);
        if (!m) throw new BadField("color must be #rgb or #rrggbb");
        out.color = `#${m[1].length === 3 ? m[1].replace(/./g, "$&$&") : m[1]}`.toLowerCase();
        break;
      }
      case "position":
        if (v !== "left" && v !== "right") throw new BadField("position must be right or left");
        out.position = v;
        break;
      case "locale":
        if (!isWidgetLocale(v)) throw new BadField("locale is not a widget locale");
        out.locale = v;
        break;
      case "requireVerified":
      case "autoAssign":
      case "matchBrowserLocale":
      case "askEmail":
        if (typeof v !== "boolean") throw new BadField(`${k} must be a boolean`);
        out[k] = v;
        break;
      case "launcherLabel":
      case "greeting":
      case "teamName":
      case "replyTime":
      case "awayMessage":
        out[k] = text(k, v);
        break;
      case "businessHours":
        out.businessHours = hours(v);
        break;
      case "retentionDays":
        if (v !== null && (!Number.isInteger(v) || Number(v) < 1 || Number(v) > 36_500)) {
          throw new BadField("retentionDays must be null or a whole number of days");
        }
        out.retentionDays = v === null ? null : Number(v);
        break;
      case "senderName":
        if (v !== null && (typeof v !== "string" || /[\r\n]/.test(v) || v.length > 80)) {
          throw new BadField("senderName must be one line of at most 80 characters");
        }
        out.senderName = v === null ? null : v.trim() || null;
        break;
      case "replyTo":
      case "notificationEmail":
        if (v !== null && (typeof v !== "string" || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v))) {
          throw new BadField(`${k} must be an email address such as support@example.com`);
        }
        out[k] = v;
        break;
      default:
        throw new BadField(`Unknown field: ${k.slice(0, 40)}`);
    }
  }
  return out;
}

function slug(name: string): string {
  return name.toLowerCase().normalize("NFKD").replace(/[^a-z0-9]+/g, "-").replace(
    /^-+|-+$/g,
    "",
  ).slice(0, 48) || "site";
}

const secret = () =>
  Array.from(crypto.getRandomValues(new Uint8Array(24)), (b) => b.toString(16).padStart(2, "0"))
    .join("");

/**
 * Answers a sites request, or returns null when `url` is none of the site routes. Every path
 * here needs a signed-in agent (the caller checked); admin-only ones answer 403 otherwise.
 */
export async function siteRoutes(c: SiteRouteContext): Promise<Response | null> {
  const { req, url, me, state } = c;
  const p = url.pathname;
  const record = (s: FakeSites["sites"][number]): SiteRecord => ({
    ...s,
    conversationCount: c.conversations.filter((x) => x.siteId === s.id).length,
  });
  if (p === "/api/agent/sites" && req.method === "GET") {
    const mine = state.sites.filter((s) => me.sites.length === 0 || me.sites.includes(s.id));
    return json({ sites: mine.map((s) => ({ id: s.id, name: s.name })) });
  }
  const reset = /^\/api\/agents\/([^/]+)\/password$/.exec(p);
  const agentPath = /^\/api\/agents\/([^/]+)$/.exec(p);
  const sitePath = /^\/api\/sites(?:\/([^/]+))?(\/identity-secret)?$/.exec(p);
  if (!reset && !(agentPath && req.method === "PATCH") && !sitePath) return null;
  if (me.role !== "admin") return err(403, "forbidden", "Admins only");
  try {
    if (reset && req.method === "POST") {
      const agent = c.agents.find((a) => a.id === reset[1]);
      if (!agent) return err(404, "not_found", "No such agent");
      const { password } = await req.json();
      if (typeof password !== "string" || password.length < 8 || password.length > 200) {
        throw new BadField("password must have 8 to 200 characters");
      }
      c.passwords[agent.email] = password;
      return new Response(null, { status: 204 });
    }
    if (agentPath) {
      const agent = c.agents.find((a) => a.id === agentPath[1]);
      if (!agent) return err(404, "not_found", "No such agent");
      const body = await req.json();
      if (body.sites !== undefined) {
        if (
          !Array.isArray(body.sites) ||
          !body.sites.every((id: unknown) => state.sites.some((s) => s.id === id))
        ) throw new BadField("sites must list existing site ids");
        agent.sites = body.sites;
      }
      for (const k of ["name", "avatar", "role", "capacity", "disabled"] as const) {
        if (body[k] !== undefined) Object.assign(agent, { [k]: body[k] });
      }
      c.broadcast({ type: "agent", agent: { ...agent } });
      return json({ agent });
    }
    if (!sitePath) return null;
    const [, id, rotate] = sitePath;
    if (id === undefined) {
      if (req.method === "GET") return json({ sites: state.sites.map(record) });
      if (req.method !== "POST") return err(404, "not_found", "No such endpoint");
      const body = await req.json();
      const f = fields(body);
      if (f.name === undefined) throw new BadField("name is required");
      let newId: string;
      if (body.id !== undefined) {
        if (typeof body.id !== "string" || !SLUG.test(body.id)) {
          throw new BadField("id must be lowercase letters, digits and dashes");
        }
        if (state.sites.some((s) => s.id === body.id)) {
          return err(409, "conflict", `The site id ${body.id} is taken`);
        }
        newId = body.id;
      } else {
        const base = slug(f.name);
        newId = base;
        for (let n = 2; state.sites.some((s) => s.id === newId); n++) newId = `${base}-${n}`;
      }
      const site = {
        ...DEFAULT_WIDGET_SETTINGS,
        allowedOrigins: [],
        requireVerified: false,
        autoAssign: false,
        ...f,
        id: newId,
        name: f.name,
        createdAt: new Date().toISOString(),
      };
      state.sites.push(site);
      state.secrets[newId] = secret();
      return json({ site: record(site), identitySecret: state.secrets[newId] }, 201);
    }
    const site = state.sites.find((s) => s.id === id);
    if (!site) return err(404, "not_found", "No such site");
    if (rotate) {
      if (req.method !== "POST") return err(404, "not_found", "No such endpoint");
      state.secrets[id] = secret();
      return json({ identitySecret: state.secrets[id] });
    }
    if (req.method === "GET") return json({ site: record(site) });
    if (req.method === "PATCH") {
      const body = await req.json();
      if (body.id !== undefined) throw new BadField("id cannot change");
      Object.assign(site, fields(body));
      return json({ site: record(site) });
    }
    if (req.method === "DELETE") {
      const count = record(site).conversationCount;
      if (count > 0 && url.searchParams.get("force") !== "true") {
        return err(
          409,
          "conflict",
          `The site ${site.name} has ${count} conversations: delete them too with force`,
        );
      }
      state.sites.splice(state.sites.indexOf(site), 1);
      for (let i = c.conversations.length - 1; i >= 0; i--) {
        if (c.conversations[i].siteId === id) c.conversations.splice(i, 1);
      }
      return new Response(null, { status: 204 });
    }
    return err(404, "not_found", "No such endpoint");
  } catch (e) {
    if (e instanceof BadField) return err(400, "bad_frame", e.message);
    throw e;
  }
}
