/**
 * Small, pure formatting helpers for the console: relative times, initials, avatar colours,
 * user-agent summaries and friendly fallback names.
 *
 * @module
 */

/** "now", "5m", "3h", "2d", or a short date for anything older than a week. */
export function timeAgo(iso: string, now: number): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return "";
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 45) return "now";
  const m = Math.round(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.round(m / 60);
  if (h < 24) return `${h}h`;
  const d = Math.round(h / 24);
  if (d < 7) return `${d}d`;
  return new Date(t).toLocaleDateString(undefined, { month: "short", day: "numeric" });
}

/** Hours and minutes of an ISO time in the agent's locale. */
export function clockTime(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return "";
  return new Date(t).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
}

/** Full date and time, for tooltips. */
export function fullTime(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? "" : new Date(t).toLocaleString();
}

/** Up to two initials of a display name. */
export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  if (parts.length === 0) return "?";
  const first = [...parts[0]][0] ?? "";
  const last = parts.length > 1 ? [...parts[parts.length - 1]][0] ?? "" : "";
  return (first + last).toUpperCase();
}

/** A stable colour class (`hue-0` to `hue-7`) for an id. */
export function hueClass(id: string): string {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return `hue-${h % 8}`;
}

const ADJECTIVES = ["Amber", "Brisk", "Calm", "Dapper", "Eager", "Fuzzy", "Gentle", "Happy"];
const ANIMALS = ["Otter", "Heron", "Lynx", "Panda", "Robin", "Koala", "Falcon", "Badger"];

/** The visitor's name, or a friendly name generated from the id when the server sent none. */
export function visitorLabel(name: string, id: string): string {
  if (name.trim() !== "") return name;
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 33 + id.charCodeAt(i)) >>> 0;
  return `${ADJECTIVES[h % 8]} ${ANIMALS[(h >>> 3) % 8]}`;
}

/** "Chrome 120 on macOS" from a user-agent string (best effort). */
export function describeUserAgent(ua: string | null): string {
  if (!ua) return "Unknown";
  const browser = /Edg\/(\d+)/.exec(ua)
    ? `Edge ${/Edg\/(\d+)/.exec(ua)?.[1]}`
    : /OPR\/(\d+)/.exec(ua)
    ? `Opera ${/OPR\/(\d+)/.exec(ua)?.[1]}`
    : /Firefox\/(\d+)/.exec(ua)
    ? `Firefox ${/Firefox\/(\d+)/.exec(ua)?.[1]}`
    : /(?:Chrome|Chromium|CriOS)\/(\d+)/.exec(ua)
    ? `Chrome ${/(?:Chrome|Chromium|CriOS)\/(\d+)/.exec(ua)?.[1]}`
    : /Version\/(\d+).*Safari/.exec(ua)
    ? `Safari ${/Version\/(\d+).*Safari/.exec(ua)?.[1]}`
    : "Unknown browser";
  const os = /Windows NT/.test(ua)
    ? "Windows"
    : /iPhone|iPad|iPod/.test(ua)
    ? "iOS"
    : /Mac OS X/.test(ua)
    ? "macOS"
    : /Android/.test(ua)
    ? "Android"
    : /CrOS/.test(ua)
    ? "ChromeOS"
    : /Linux/.test(ua)
    ? "Linux"
    : "unknown OS";
  return `${browser} on ${os}`;
}

/** The current time in a visitor's time zone, e.g. "14:05 (Europe/Paris)". */
export function localTime(timezone: string | null, now: number): string | null {
  if (!timezone) return null;
  try {
    const time = new Date(now).toLocaleTimeString(undefined, {
      timeZone: timezone,
      hour: "2-digit",
      minute: "2-digit",
    });
    return `${time} (${timezone})`;
  } catch {
    return null;
  }
}

/** True for URLs safe to put in an `href` (http and https only: never `javascript:`). */
export function isWebUrl(url: string): boolean {
  return /^https?:\/\//i.test(url);
}

/** "just now", "5m ago", "on Jan 5": a relative time that reads in a sentence. */
export function agoText(iso: string, now: number): string {
  const t = timeAgo(iso, now);
  if (t === "") return "";
  if (t === "now") return "just now";
  return /^\d+[mhd]$/.test(t) ? `${t} ago` : `on ${t}`;
}

/** A file size for people: "820 B", "14 KB", "2.5 MB" (powers of 1024, as file managers show). */
export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const kb = bytes / 1024;
  if (kb < 1024) return `${Math.round(kb)} KB`;
  const mb = kb / 1024;
  return `${mb < 10 ? mb.toFixed(1) : Math.round(mb)} MB`;
}

/** A short name for a MIME type: "PNG image", "PDF", "Text"; a long or vendor type as it is. */
export function fileKind(type: string): string {
  const sub = type.slice(type.indexOf("/") + 1);
  if (type.startsWith("image/")) return `${sub.toUpperCase()} image`;
  if (sub === "plain") return "Text";
  return /^[a-z]{2,4}$/.test(sub) ? sub.toUpperCase() : type;
}

/** Where an attachment downloads from (the agent's session cookie is enough to read it). */
export function attachmentUrl(id: string): string {
  return `/api/attachments/${encodeURIComponent(id)}`;
}
