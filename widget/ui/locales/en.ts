/**
 * English strings (the reference table: every locale has exactly these keys). Every string a
 * visitor sees comes from these tables; a site's own texts (greeting, team name…) replace some.
 *
 * @module
 */

/** English. */
export const en = {
  title: "Chat with {team}",
  /** Header name when the site sets no team name. */
  team: "Support",
  /** Header hint when the site sets no reply time. */
  replyTime: "Typically replies in a few minutes",
  minimize: "Minimize chat",
  online: "Online",
  away: "Away",
  /** The default away message: nobody online. */
  noAgents: "We're away right now, but we'll reply here as soon as we can.",
  /** Outside business hours. */
  closed: "We're closed right now.",
  /** `{time}`: the next opening, as a weekday and time in the visitor's time zone. */
  backAt: "We'll be back {time}.",
  /** The email prompt: the reply itself comes here. */
  leaveEmail: "You can also leave your email.",
  /** Added to the prompt and the thanks when the server emails replies (`emailReplies`). */
  mailToo: "We'll email our reply too.",
  email: "Email",
  emailPlaceholder: "you@example.com",
  emailSubmit: "Save email",
  emailThanks: "Thanks! We'll reply here.",
  message: "Message",
  placeholder: "Write a message…",
  attach: "Attach a file",
  send: "Send",
  sending: "Sending",
  sent: "Sent",
  /** On the visitor's latest message once an agent has read it. */
  seen: "Seen",
  failed: "Not delivered.",
  retry: "Retry",
  typing: "{name} is typing…",
  connecting: "Connecting…",
  offline: "You're offline. Messages will be sent when you're back.",
  unavailable: "Chat isn't available on this site.",
  /** The header's title on a site that refuses the chat (no team to name). */
  chat: "Chat",
  /** The header's status while the visitor's browser is offline. */
  offlineStatus: "Offline",
  intro: "Hi! Ask us anything.",
  resolved: "This conversation has been resolved.",
  rateTitle: "How was your conversation?",
  rate: "Rate {n} out of 5",
  rated: "Thanks for your feedback!",
  startOver: "Start a new conversation",
  you: "You",
  agent: "Support",
  /** The visitor asks for the conversation's transcript by email. */
  transcript: "Email me a transcript",
  transcriptSent: "We'll email you a transcript of this conversation.",
  /** Refused (too many asked for, or no address). */
  transcriptNo: "The transcript couldn't be sent. Try again later.",
};

/** A string key. */
export type StringKey = keyof typeof en;
/** A complete string table. */
export type Strings = Record<StringKey, string>;

/**
 * English strings of the attachment chunk (`widget/ui/attach/`), kept apart from {@link en} so
 * only the chunk carries them: the chunk is built per locale, like the UI, and imports its
 * locale's table alone. `{name}` is a file name, `{max}` a size (`Intl`, in the locale).
 */
export const enAttach = {
  uploading: "Uploading {name}",
  remove: "Remove {name}",
  retry: "Retry",
  waiting: "Waiting for the connection…",
  queued: "Sends once the files are uploaded.",
  tooLarge: "{name} is larger than {max}, the largest file you can send.",
  badType: "{name} can't be sent: files of this type aren't accepted.",
  badImage: "{name} isn't a valid image.",
  failed: "{name} couldn't be uploaded.",
  open: "Open {name} full size",
  download: "Download {name}",
  close: "Close",
};

/** A complete string table of the attachment chunk. */
export type AttachStrings = Record<keyof typeof enAttach, string>;
