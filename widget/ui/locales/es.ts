/**
 * Spanish strings.
 *
 * @module
 */

import type { AttachStrings, Strings } from "./en.ts";

/** Spanish. */
export const es: Strings = {
  title: "Chatea con {team}",
  team: "Soporte",
  replyTime: "Suele responder en pocos minutos",
  minimize: "Minimizar el chat",
  online: "En línea",
  away: "Ausente",
  noAgents: "Ahora mismo no estamos, pero te responderemos aquí lo antes posible.",
  closed: "Ahora mismo estamos cerrados.",
  backAt: "Volvemos el {time}.",
  leaveEmail: "También puedes dejarnos tu correo.",
  mailToo: "También te enviaremos la respuesta por correo.",
  email: "Correo electrónico",
  emailPlaceholder: "tu@ejemplo.com",
  emailSubmit: "Guardar correo",
  emailThanks: "¡Gracias! Te responderemos aquí.",
  message: "Mensaje",
  placeholder: "Escribe un mensaje…",
  attach: "Adjuntar un archivo",
  send: "Enviar",
  sending: "Enviando",
  sent: "Enviado",
  seen: "Visto",
  failed: "No entregado.",
  retry: "Reintentar",
  typing: "{name} está escribiendo…",
  connecting: "Conectando…",
  offline: "Estás sin conexión. Los mensajes se enviarán cuando vuelvas.",
  unavailable: "El chat no está disponible en este sitio.",
  chat: "Chat",
  offlineStatus: "Sin conexión",
  intro: "¡Hola! Pregúntanos lo que quieras.",
  resolved: "Esta conversación se ha resuelto.",
  rateTitle: "¿Qué tal ha ido la conversación?",
  rate: "Valorar con {n} de 5",
  rated: "¡Gracias por tu opinión!",
  startOver: "Empezar una nueva conversación",
  you: "Tú",
  agent: "Soporte",
  transcript: "Enviarme la transcripción por correo",
  transcriptSent: "Te enviaremos la transcripción de esta conversación por correo.",
  transcriptNo: "No se pudo enviar la transcripción. Inténtalo más tarde.",
};

/** The attachment chunk's strings (see `enAttach`). */
export const esAttach: AttachStrings = {
  uploading: "Subiendo {name}",
  remove: "Quitar {name}",
  retry: "Reintentar",
  waiting: "Esperando la conexión…",
  queued: "Se enviará cuando se suban los archivos.",
  tooLarge: "{name} supera {max}, el tamaño máximo de archivo.",
  badType: "No se puede enviar {name}: no se aceptan archivos de este tipo.",
  badImage: "{name} no es una imagen válida.",
  failed: "No se pudo subir {name}.",
  open: "Abrir {name} a tamaño completo",
  download: "Descargar {name}",
  close: "Cerrar",
};
