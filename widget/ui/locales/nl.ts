/**
 * Dutch strings.
 *
 * @module
 */

import type { AttachStrings, Strings } from "./en.ts";

/** Dutch. */
export const nl: Strings = {
  title: "Chat met {team}",
  team: "Klantenservice",
  replyTime: "Reageert meestal binnen een paar minuten",
  minimize: "Chat minimaliseren",
  online: "Online",
  away: "Afwezig",
  noAgents: "We zijn er nu niet, maar we reageren hier zo snel mogelijk.",
  closed: "We zijn nu gesloten.",
  backAt: "Weer bereikbaar: {time}.",
  leaveEmail: "Je kunt ook je e-mailadres achterlaten.",
  mailToo: "We sturen je het antwoord ook per e-mail.",
  email: "E-mailadres",
  emailPlaceholder: "jij@voorbeeld.nl",
  emailSubmit: "E-mail opslaan",
  emailThanks: "Bedankt! We antwoorden hier.",
  message: "Bericht",
  placeholder: "Schrijf een bericht…",
  attach: "Bestand bijvoegen",
  send: "Versturen",
  sending: "Wordt verstuurd",
  sent: "Verstuurd",
  seen: "Gezien",
  failed: "Niet afgeleverd.",
  retry: "Opnieuw proberen",
  typing: "{name} is aan het typen…",
  connecting: "Verbinden…",
  offline: "Je bent offline. Berichten worden verstuurd zodra je weer online bent.",
  unavailable: "De chat is niet beschikbaar op deze website.",
  chat: "Chat",
  offlineStatus: "Offline",
  intro: "Hoi! Stel gerust je vraag.",
  resolved: "Dit gesprek is afgerond.",
  rateTitle: "Hoe was het gesprek?",
  rate: "Beoordeel met {n} van 5",
  rated: "Bedankt voor je feedback!",
  startOver: "Nieuw gesprek beginnen",
  you: "Jij",
  agent: "Klantenservice",
  transcript: "Stuur mij een transcript per e-mail",
  transcriptSent: "We mailen je een transcript van dit gesprek.",
  transcriptNo: "Het transcript kon niet worden verstuurd. Probeer het later opnieuw.",
};

/** The attachment chunk's strings (see `enAttach`). */
export const nlAttach: AttachStrings = {
  uploading: "{name} wordt geüpload",
  remove: "{name} verwijderen",
  retry: "Opnieuw",
  waiting: "Wachten op verbinding…",
  queued: "Wordt verstuurd zodra de bestanden zijn geüpload.",
  tooLarge: "{name} is groter dan {max}, de maximale bestandsgrootte.",
  badType: "{name} kan niet worden verstuurd: dit type bestand wordt niet geaccepteerd.",
  badImage: "{name} is geen geldige afbeelding.",
  failed: "{name} kon niet worden geüpload.",
  open: "{name} op volledige grootte openen",
  download: "{name} downloaden",
  close: "Sluiten",
};
