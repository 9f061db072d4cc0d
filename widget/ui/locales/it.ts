/**
 * Italian strings.
 *
 * @module
 */

import type { AttachStrings, Strings } from "./en.ts";

/** Italian. */
export const it: Strings = {
  title: "Chatta con {team}",
  team: "Assistenza",
  replyTime: "Di solito risponde in pochi minuti",
  minimize: "Riduci la chat",
  online: "Online",
  away: "Assente",
  noAgents: "Al momento non ci siamo, ma ti risponderemo qui il prima possibile.",
  closed: "Al momento siamo chiusi.",
  backAt: "Torniamo {time}.",
  leaveEmail: "Puoi anche lasciarci la tua email.",
  mailToo: "Ti invieremo la risposta anche via email.",
  email: "Email",
  emailPlaceholder: "tu@esempio.it",
  emailSubmit: "Salva email",
  emailThanks: "Grazie! Ti risponderemo qui.",
  message: "Messaggio",
  placeholder: "Scrivi un messaggio…",
  attach: "Allega un file",
  send: "Invia",
  sending: "Invio in corso",
  sent: "Inviato",
  seen: "Visualizzato",
  failed: "Non consegnato.",
  retry: "Riprova",
  typing: "{name} sta scrivendo…",
  connecting: "Connessione…",
  offline: "Sei offline. I messaggi verranno inviati quando tornerai online.",
  unavailable: "La chat non è disponibile su questo sito.",
  chat: "Chat",
  offlineStatus: "Offline",
  intro: "Ciao! Chiedici quello che vuoi.",
  resolved: "Questa conversazione è stata risolta.",
  rateTitle: "Com'è andata la conversazione?",
  rate: "Valuta {n} su 5",
  rated: "Grazie per il tuo feedback!",
  startOver: "Inizia una nuova conversazione",
  you: "Tu",
  agent: "Assistenza",
  transcript: "Inviami la trascrizione via email",
  transcriptSent: "Ti invieremo la trascrizione di questa conversazione via email.",
  transcriptNo: "Non è stato possibile inviare la trascrizione. Riprova più tardi.",
};

/** The attachment chunk's strings (see `enAttach`). */
export const itAttach: AttachStrings = {
  uploading: "Caricamento di {name}",
  remove: "Rimuovi {name}",
  retry: "Riprova",
  waiting: "In attesa della connessione…",
  queued: "Partirà quando i file saranno caricati.",
  tooLarge: "{name} supera {max}, la dimensione massima di un file.",
  badType: "Impossibile inviare {name}: i file di questo tipo non sono accettati.",
  badImage: "{name} non è un'immagine valida.",
  failed: "Impossibile caricare {name}.",
  open: "Apri {name} a dimensione piena",
  download: "Scarica {name}",
  close: "Chiudi",
};
