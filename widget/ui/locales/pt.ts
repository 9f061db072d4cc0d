/**
 * Portuguese strings.
 *
 * @module
 */

import type { AttachStrings, Strings } from "./en.ts";

/** Portuguese. */
export const pt: Strings = {
  title: "Converse com {team}",
  team: "Suporte",
  replyTime: "Normalmente responde em poucos minutos",
  minimize: "Minimizar o chat",
  online: "Online",
  away: "Ausente",
  noAgents: "Não estamos disponíveis agora, mas responderemos aqui assim que possível.",
  closed: "Estamos fechados no momento.",
  backAt: "Retorno previsto: {time}.",
  leaveEmail: "Você também pode deixar seu e-mail.",
  mailToo: "Também enviaremos a resposta por e-mail.",
  email: "E-mail",
  emailPlaceholder: "voce@exemplo.com",
  emailSubmit: "Salvar e-mail",
  emailThanks: "Obrigado! Responderemos aqui.",
  message: "Mensagem",
  placeholder: "Escreva uma mensagem…",
  attach: "Anexar um arquivo",
  send: "Enviar",
  sending: "Enviando",
  sent: "Enviada",
  seen: "Vista",
  failed: "Não entregue.",
  retry: "Tentar novamente",
  typing: "{name} está digitando…",
  connecting: "Conectando…",
  offline: "Você está offline. As mensagens serão enviadas quando você voltar.",
  unavailable: "O chat não está disponível neste site.",
  chat: "Chat",
  offlineStatus: "Sem conexão",
  intro: "Olá! Pergunte o que quiser.",
  resolved: "Esta conversa foi resolvida.",
  rateTitle: "Como foi a conversa?",
  rate: "Avaliar com {n} de 5",
  rated: "Obrigado pela sua avaliação!",
  startOver: "Iniciar uma nova conversa",
  you: "Você",
  agent: "Suporte",
  transcript: "Enviar-me a transcrição por e-mail",
  transcriptSent: "Vamos enviar-lhe a transcrição desta conversa por e-mail.",
  transcriptNo: "Não foi possível enviar a transcrição. Tente mais tarde.",
};

/** The attachment chunk's strings (see `enAttach`). */
export const ptAttach: AttachStrings = {
  uploading: "Enviando {name}",
  remove: "Remover {name}",
  retry: "Tentar de novo",
  waiting: "Aguardando a conexão…",
  queued: "Será enviada quando os arquivos forem carregados.",
  tooLarge: "{name} passa de {max}, o tamanho máximo de arquivo.",
  badType: "Não é possível enviar {name}: arquivos deste tipo não são aceitos.",
  badImage: "{name} não é uma imagem válida.",
  failed: "Não foi possível enviar {name}.",
  open: "Abrir {name} em tamanho real",
  download: "Baixar {name}",
  close: "Fechar",
};
