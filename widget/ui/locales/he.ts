/**
 * Hebrew strings.
 *
 * @module
 */

import type { AttachStrings, Strings } from "./en.ts";

/** Hebrew. */
export const he: Strings = {
  title: "צ'אט עם {team}",
  team: "צוות התמיכה",
  replyTime: "בדרך כלל עונים תוך כמה דקות",
  minimize: "מזעור הצ'אט",
  online: "זמינים",
  away: "לא זמינים",
  noAgents: "אנחנו לא זמינים כרגע, אבל נחזור אליכם כאן בהקדם האפשרי.",
  closed: "אנחנו סגורים כרגע.",
  backAt: "נחזור לפעילות: {time}.",
  leaveEmail: "אפשר גם להשאיר כתובת אימייל.",
  mailToo: "נשלח את התשובה גם באימייל.",
  email: "אימייל",
  emailPlaceholder: "you@example.com",
  emailSubmit: "שמירת האימייל",
  emailThanks: "תודה! נענה לכם כאן.",
  message: "הודעה",
  placeholder: "כתבו הודעה…",
  attach: "צירוף קובץ",
  send: "שליחה",
  sending: "בשליחה",
  sent: "נשלחה",
  seen: "נצפתה",
  failed: "לא נמסרה.",
  retry: "ניסיון חוזר",
  typing: "{name} מקליד/ה…",
  connecting: "מתחברים…",
  offline: "אין חיבור לאינטרנט. ההודעות יישלחו כשהחיבור יחזור.",
  unavailable: "הצ'אט אינו זמין באתר זה.",
  chat: "צ'אט",
  offlineStatus: "אין חיבור",
  intro: "שלום! אפשר לשאול אותנו כל דבר.",
  resolved: "השיחה הזו טופלה.",
  rateTitle: "איך הייתה השיחה?",
  rate: "דירוג {n} מתוך 5",
  rated: "תודה על המשוב!",
  startOver: "התחלת שיחה חדשה",
  you: "את/ה",
  agent: "תמיכה",
  transcript: "שלחו לי תמליל במייל",
  transcriptSent: "נשלח אליך במייל תמליל של השיחה הזו.",
  transcriptNo: "לא ניתן היה לשלוח את התמליל. נסו שוב מאוחר יותר.",
};

/** The attachment chunk's strings (see `enAttach`). */
export const heAttach: AttachStrings = {
  uploading: "מעלה את {name}",
  remove: "הסרת {name}",
  retry: "ניסיון חוזר",
  waiting: "ממתין לחיבור…",
  queued: "תישלח לאחר העלאת הקבצים.",
  tooLarge: "{name} גדול מ־{max}, הגודל המרבי לקובץ.",
  badType: "לא ניתן לשלוח את {name}: קבצים מסוג זה אינם מתקבלים.",
  badImage: "{name} אינו תמונה תקינה.",
  failed: "לא ניתן היה להעלות את {name}.",
  open: "פתיחת {name} בגודל מלא",
  download: "הורדת {name}",
  close: "סגירה",
};
