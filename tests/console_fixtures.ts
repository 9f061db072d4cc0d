/**
 * Realistic fixtures for console UI tests and screenshots: two agents, a handful of
 * conversations in every state, visitors with pages and browsers, and canned responses.
 *
 * @module
 */

import type { AgentInfo, ConversationSummary, Message, VisitorInfo } from "../protocol/frames.ts";
import { DEFAULT_WIDGET_SETTINGS } from "../protocol/site_settings.ts";
import type { FakeData } from "./console_fake_server.ts";

const MIN = 60_000;

/** Builds the fixture set relative to `now`. */
export function demoData(now = Date.now()): FakeData {
  const at = (minutesAgo: number) => new Date(now - minutesAgo * MIN).toISOString();
  const agents: AgentInfo[] = [
    {
      id: "ann",
      email: "ann@example.com",
      name: "Ann Agent",
      avatar: null,
      role: "admin",
      status: "online",
      disabled: false,
      capacity: 5,
      sites: [],
    },
    {
      id: "bob",
      email: "bob@example.com",
      name: "Bob Builder",
      avatar: null,
      role: "agent",
      status: "away",
      disabled: false,
      capacity: 3,
      sites: [],
    },
  ];
  const visitors: VisitorInfo[] = [];
  const conversations: ConversationSummary[] = [];
  const messages: Message[] = [];
  let n = 0;
  const add = (
    name: string,
    status: ConversationSummary["status"],
    assigneeId: string | null,
    startedAgo: number,
    lines: [Message["authorKind"], string, boolean?][],
    visitor: Partial<VisitorInfo> = {},
  ) => {
    const id = `c${++n}`;
    const vid = `v${n}`;
    visitors.push({
      id: vid,
      siteId: "demo",
      name,
      email: null,
      verified: false,
      emailVerified: false,
      nameVerified: false,
      externalId: null,
      online: status !== "resolved",
      page: { url: "https://shop.example.com/products/kettle", title: "Copper kettle – Demo shop" },
      pagesVisited: [
        { url: "https://shop.example.com/", title: "Demo shop" },
        { url: "https://shop.example.com/products/kettle", title: "Copper kettle – Demo shop" },
      ],
      referrer: "https://www.google.com/",
      userAgent:
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
      timezone: "Europe/Paris",
      locale: "fr-FR",
      attributes: { plan: "Pro", orders: 3, cartValue: 129.9 },
      createdAt: at(startedAgo + 60),
      lastSeenAt: at(1),
      ...visitor,
    });
    lines.forEach(([kind, body, note], i) => {
      messages.push({
        id: `${id}-m${i + 1}`,
        conversationId: id,
        seq: i + 1,
        authorKind: kind,
        authorId: kind === "visitor" ? vid : kind === "agent" ? (assigneeId ?? "ann") : null,
        authorName: kind === "visitor" ? name : kind === "agent" ? "Ann Agent" : null,
        clientId: kind === "system" ? null : `${id}-c${i + 1}`,
        body,
        note: note ?? false,
        createdAt: at(startedAgo - i),
      });
    });
    const last = [...messages].reverse().find((m) => m.conversationId === id && !m.note);
    conversations.push({
      id,
      siteId: "demo",
      visitorId: vid,
      visitorName: name,
      status,
      assigneeId,
      lastSeq: lines.length,
      lastMessage: last
        ? { body: last.body, authorKind: last.authorKind, createdAt: last.createdAt }
        : null,
      readSeq: status === "queued" ? 0 : lines.length,
      visitorReadSeq: lines.length,
      rating: null,
      createdAt: at(startedAgo),
      updatedAt: at(startedAgo - lines.length + 1),
    });
  };
  add("Chloé Martin", "queued", null, 4, [[
    "visitor",
    "Hi! Does the copper kettle work on induction hobs?",
  ]]);
  add("Amber Otter", "queued", null, 2, [
    ["visitor", "Hello, my order #4411 has not arrived yet"],
    ["visitor", "It was due on Monday <b>not bold</b> <img src=x onerror=alert(1)>"],
  ]);
  add("Dmitri Petrov", "open", "ann", 30, [
    ["visitor", "Can I change the delivery address?"],
    ["agent", "Of course! Which address should we use instead?"],
    ["visitor", "12 Rue de Rivoli, 75001 Paris"],
    ["agent", "Checked the carrier: the parcel is still in the warehouse, so this is fine.", true],
    ["agent", "Done: the new address is on the order. Anything else?"],
    ["visitor", "Perfect, thank you so much!\nHave a nice day."],
  ], {
    email: "dmitri@example.org",
    verified: true,
    emailVerified: true,
    nameVerified: true,
    externalId: "user-8812",
  });
  add("Gentle Heron", "open", "bob", 50, [
    ["visitor", "Do you ship to Canada?"],
    ["agent", "We do, in 5 to 8 business days."],
  ]);
  add("Sara Lee", "resolved", "ann", 300, [
    ["visitor", "How do I reset my password?"],
    ["agent", "Use the 'Forgot password' link on the sign-in page."],
    ["system", "Conversation resolved by Ann Agent"],
  ]);
  return {
    agents,
    passwords: { "ann@example.com": "correct horse", "bob@example.com": "battery staple" },
    conversations,
    messages,
    visitors,
    sites: {
      sites: [{
        ...DEFAULT_WIDGET_SETTINGS,
        id: "demo",
        name: "Demo shop",
        allowedOrigins: [],
        requireVerified: false,
        autoAssign: false,
        createdAt: at(100_000),
      }],
      secrets: { demo: "demo-secret" },
    },
    canned: [
      {
        id: "k1",
        agentId: null,
        shortcut: "hello",
        body: "Hi there! Thanks for reaching out. How can I help?",
        createdAt: at(1000),
      },
      {
        id: "k2",
        agentId: "ann",
        shortcut: "shipping",
        body: "We ship worldwide; delivery takes 2 to 8 business days.",
        createdAt: at(1000),
      },
      {
        id: "k3",
        agentId: "ann",
        shortcut: "greet",
        body: "Hi {{visitor.name|there}}, {{agent.firstName}} here. " +
          "I will write to {{visitor.email}} about {{order.id}}.",
        createdAt: at(1000),
      },
    ],
  };
}
