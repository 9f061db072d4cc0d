/**
 * German strings.
 *
 * @module
 */

import type { Strings } from "./en.ts";

/** German. */
export const de: Strings = {
  title: "Chat mit {team}",
  team: "Support",
  replyTime: "Antwortet meist innerhalb weniger Minuten",
  minimize: "Chat minimieren",
  online: "Online",
  away: "Abwesend",
  noAgents: "Gerade ist niemand da, aber wir antworten so bald wie möglich.",
  closed: "Wir haben gerade geschlossen.",
  backAt: "Wir sind ab {time} wieder da.",
  leaveEmail: "Hinterlassen Sie Ihre E-Mail, wir antworten dort.",
  email: "E-Mail",
  emailPlaceholder: "sie@beispiel.de",
  emailSubmit: "Benachrichtigen",
  emailThanks: "Danke! Wir antworten an {email}.",
  message: "Nachricht",
  placeholder: "Nachricht schreiben…",
  send: "Senden",
  sending: "Wird gesendet",
  sent: "Gesendet",
  failed: "Nicht zugestellt.",
  retry: "Erneut senden",
  typing: "{name} schreibt…",
  connecting: "Verbinde…",
  offline: "Offline. Nachrichten werden gesendet, sobald Sie zurück sind.",
  unavailable: "Der Chat ist auf dieser Website nicht verfügbar.",
  chat: "Chat",
  offlineStatus: "Keine Verbindung",
  intro: "Hallo! Fragen Sie uns alles.",
  resolved: "Diese Unterhaltung wurde gelöst.",
  rateTitle: "Wie war die Unterhaltung?",
  rate: "Mit {n} von 5 bewerten",
  rated: "Danke für Ihr Feedback!",
  startOver: "Neue Unterhaltung beginnen",
  you: "Sie",
  agent: "Support",
};
