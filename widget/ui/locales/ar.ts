/**
 * Arabic strings.
 *
 * @module
 */

import type { AttachStrings, Strings } from "./en.ts";

/** Arabic. */
export const ar: Strings = {
  title: "الدردشة مع {team}",
  team: "فريق الدعم",
  replyTime: "نرد عادةً خلال بضع دقائق",
  minimize: "تصغير الدردشة",
  online: "متاح",
  away: "غير متاح",
  noAgents: "لسنا متاحين الآن، لكننا سنرد عليك هنا في أقرب وقت ممكن.",
  closed: "نحن مغلقون الآن.",
  backAt: "موعد عودتنا: {time}.",
  leaveEmail: "يمكنك أيضًا ترك بريدك الإلكتروني.",
  mailToo: "سنرسل الرد إلى بريدك أيضًا.",
  email: "البريد الإلكتروني",
  emailPlaceholder: "you@example.com",
  emailSubmit: "حفظ البريد",
  emailThanks: "شكرًا! سنرد عليك هنا.",
  message: "رسالة",
  placeholder: "اكتب رسالة…",
  attach: "إرفاق ملف",
  send: "إرسال",
  sending: "جارٍ الإرسال",
  sent: "تم الإرسال",
  seen: "شوهدت",
  failed: "لم تُسلَّم.",
  retry: "إعادة المحاولة",
  typing: "{name} يكتب…",
  connecting: "جارٍ الاتصال…",
  offline: "أنت غير متصل. سنرسل رسائلك عند عودة الاتصال.",
  unavailable: "الدردشة غير متاحة على هذا الموقع.",
  chat: "الدردشة",
  offlineStatus: "غير متصل",
  intro: "مرحبًا! اسألنا عن أي شيء.",
  resolved: "تم حل هذه المحادثة.",
  rateTitle: "كيف كانت المحادثة؟",
  rate: "التقييم {n} من 5",
  rated: "شكرًا على ملاحظاتك!",
  startOver: "بدء محادثة جديدة",
  you: "أنت",
  agent: "الدعم",
  transcript: "أرسل لي نص المحادثة بالبريد الإلكتروني",
  transcriptSent: "سنرسل إليك نص هذه المحادثة بالبريد الإلكتروني.",
  transcriptNo: "تعذّر إرسال نص المحادثة. حاول مرة أخرى لاحقًا.",
};

/** The attachment chunk's strings (see `enAttach`). */
export const arAttach: AttachStrings = {
  uploading: "جارٍ رفع {name}",
  remove: "إزالة {name}",
  retry: "إعادة المحاولة",
  waiting: "في انتظار الاتصال…",
  queued: "ستُرسل بعد رفع الملفات.",
  tooLarge: "حجم {name} أكبر من {max}، وهو الحد الأقصى لحجم الملف.",
  badType: "تعذّر إرسال {name}: هذا النوع من الملفات غير مقبول.",
  badImage: "{name} ليس صورة صالحة.",
  failed: "تعذّر رفع {name}.",
  open: "فتح {name} بالحجم الكامل",
  download: "تنزيل {name}",
  close: "إغلاق",
};
