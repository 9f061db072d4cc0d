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
  noAgents: "We're away right now, but we'll reply as soon as we can.",
  /** Outside business hours. */
  closed: "We're closed right now.",
  /** `{time}`: the next opening, as a weekday and time in the visitor's time zone. */
  backAt: "We'll be back {time}.",
  leaveEmail: "Leave your email and we'll reply there.",
  email: "Email",
  emailPlaceholder: "you@example.com",
  emailSubmit: "Notify me",
  emailThanks: "Thanks! We'll reply to {email}.",
  message: "Message",
  placeholder: "Write a message…",
  send: "Send",
  sending: "Sending",
  sent: "Sent",
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
};

/** A string key. */
export type StringKey = keyof typeof en;
/** A complete string table. */
export type Strings = Record<StringKey, string>;
