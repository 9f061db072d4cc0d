/**
 * German strings.
 *
 * @module
 */

import type { AttachStrings, Strings } from "./en.ts";

/** German. */
export const de: Strings = {
  title: "Chat mit {team}",
  team: "Support",
  replyTime: "Antwortet meist innerhalb weniger Minuten",
  minimize: "Chat minimieren",
  online: "Online",
  away: "Abwesend",
  noAgents: "Gerade ist niemand da, aber wir antworten hier so bald wie möglich.",
  closed: "Wir haben gerade geschlossen.",
  backAt: "Wir sind ab {time} wieder da.",
  leaveEmail: "Sie können auch Ihre E-Mail hinterlassen.",
  mailToo: "Wir schicken Ihnen die Antwort auch per E-Mail.",
  email: "E-Mail",
  emailPlaceholder: "sie@beispiel.de",
  emailSubmit: "E-Mail speichern",
  emailThanks: "Danke! Wir antworten hier.",
  message: "Nachricht",
  placeholder: "Nachricht schreiben…",
  attach: "Datei anhängen",
  send: "Senden",
  sending: "Wird gesendet",
  sent: "Gesendet",
  seen: "Gesehen",
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
  transcript: "Verlauf per E-Mail senden",
  transcriptSent: "Wir senden Ihnen den Verlauf dieses Gesprächs per E-Mail.",
  transcriptNo: "Der Verlauf konnte nicht gesendet werden. Versuchen Sie es später erneut.",
};

/** The attachment chunk's strings (see `enAttach`). */
export const deAttach: AttachStrings = {
  uploading: "{name} wird hochgeladen",
  remove: "{name} entfernen",
  retry: "Erneut versuchen",
  waiting: "Warte auf Verbindung…",
  queued: "Wird gesendet, sobald die Dateien hochgeladen sind.",
  tooLarge: "{name} ist größer als {max}, die maximale Dateigröße.",
  badType: "{name} kann nicht gesendet werden: Dateien dieses Typs werden nicht angenommen.",
  badImage: "{name} ist kein gültiges Bild.",
  failed: "{name} konnte nicht hochgeladen werden.",
  open: "{name} in voller Größe öffnen",
  download: "{name} herunterladen",
  close: "Schließen",
};
