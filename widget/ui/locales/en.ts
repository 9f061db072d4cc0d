/**
 * English strings (the reference table: every locale has exactly these keys).
 *
 * @module
 */

/** English. */
export const en = {
  title: "Chat with {team}",
  minimize: "Minimize chat",
  online: "Online",
  away: "Away",
  noAgents: "We're away right now. Leave your email and we'll reply there.",
  email: "Email",
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
  unavailable: "Chat is unavailable.",
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
