/**
 * French strings.
 *
 * @module
 */

import type { AttachStrings, Strings } from "./en.ts";

/** French. */
export const fr: Strings = {
  title: "Discuter avec {team}",
  team: "Assistance",
  replyTime: "Répond généralement en quelques minutes",
  minimize: "Réduire le chat",
  online: "En ligne",
  away: "Absent",
  noAgents: "Nous sommes absents pour le moment, mais nous vous répondrons ici dès que possible.",
  closed: "Nous sommes fermés pour le moment.",
  backAt: "Nous serons de retour {time}.",
  leaveEmail: "Vous pouvez aussi laisser votre e-mail.",
  mailToo: "Nous vous enverrons aussi la réponse par e-mail.",
  email: "E-mail",
  emailPlaceholder: "vous@exemple.fr",
  emailSubmit: "Enregistrer l’e-mail",
  emailThanks: "Merci ! Nous répondrons ici.",
  message: "Message",
  placeholder: "Écrivez un message…",
  attach: "Joindre un fichier",
  send: "Envoyer",
  sending: "Envoi",
  sent: "Envoyé",
  seen: "Vu",
  failed: "Non distribué.",
  retry: "Réessayer",
  typing: "{name} écrit…",
  connecting: "Connexion…",
  offline: "Hors ligne. Vos messages partiront à votre retour.",
  unavailable: "Le chat n'est pas disponible sur ce site.",
  chat: "Chat",
  offlineStatus: "Hors ligne",
  intro: "Bonjour ! Posez-nous vos questions.",
  resolved: "Cette conversation est résolue.",
  rateTitle: "Comment s'est passée cette conversation ?",
  rate: "Noter {n} sur 5",
  rated: "Merci pour votre avis !",
  startOver: "Nouvelle conversation",
  you: "Vous",
  agent: "Assistance",
  transcript: "M'envoyer la transcription par e-mail",
  transcriptSent: "Nous vous enverrons la transcription de cette conversation par e-mail.",
  transcriptNo: "La transcription n'a pas pu être envoyée. Réessayez plus tard.",
};

/** The attachment chunk's strings (see `enAttach`). */
export const frAttach: AttachStrings = {
  uploading: "Envoi de {name}",
  remove: "Retirer {name}",
  retry: "Réessayer",
  waiting: "En attente de la connexion…",
  queued: "Partira une fois les fichiers envoyés.",
  tooLarge: "{name} dépasse {max}, la taille maximale d'un fichier.",
  badType: "Impossible d'envoyer {name} : ce type de fichier n'est pas accepté.",
  badImage: "{name} n'est pas une image valide.",
  failed: "{name} n'a pas pu être envoyé.",
  open: "Ouvrir {name} en grand",
  download: "Télécharger {name}",
  close: "Fermer",
};
