/**
 * A webhook receiver for tests: a real HTTP server on 127.0.0.1 that records every request it
 * gets, checks its signature as docs/webhooks.md tells receivers to, and answers as the test
 * says (204 by default; a status, or never, to make the sender retry).
 *
 * @module
 */

import { verifySignature } from "../../core/webhooks/signature.ts";

/** The payload every delivery carries. */
export interface WebhookPayload {
  id: string;
  type: string;
  createdAt: string;
  siteId: string;
  data: Record<string, unknown>;
}

/** One request the receiver got. */
export interface ReceivedWebhook {
  /** Its order among all the requests this receiver got. */
  index: number;
  event: string | null;
  delivery: string | null;
  signature: string | null;
  body: string;
  payload: WebhookPayload;
  /** The signature matched the body with the receiver's `secret`. */
  verified: boolean;
  /** What the receiver answered: a status, or "hung" for no answer. */
  answer: number | "hung";
}

/** What to answer a request: a status, or "hang" to never answer (the sender times out). */
export type Answer = number | "hang";

/** A running receiver. */
export class WebhookReceiver {
  /** Every request, in arrival order. */
  readonly received: ReceivedWebhook[] = [];
  /** The secret signatures are checked with (set once the endpoint is created). */
  secret = "";
  /** Chooses the answer to each request (default 204). */
  answer: (r: Omit<ReceivedWebhook, "answer">) => Answer = () => 204;
  readonly #hung: (() => void)[] = [];
  readonly #server: Deno.HttpServer<Deno.NetAddr>;

  private constructor(port: number) {
    this.#server = Deno.serve(
      { hostname: "127.0.0.1", port, onListen() {} },
      async (req) => {
        const body = await req.text();
        const signature = req.headers.get("x-parley-signature");
        const base = {
          index: this.received.length,
          event: req.headers.get("x-parley-event"),
          delivery: req.headers.get("x-parley-delivery"),
          signature,
          body,
          payload: JSON.parse(body) as WebhookPayload,
          verified: signature !== null && this.secret !== "" &&
            await verifySignature(signature, body, this.secret),
        };
        const answer = this.answer(base);
        this.received.push({ ...base, answer: answer === "hang" ? "hung" : answer });
        if (answer === "hang") {
          await new Promise<void>((resolve) => this.#hung.push(resolve));
          return new Response(null, { status: 503 });
        }
        return new Response(null, { status: answer });
      },
    );
  }

  /** Starts a receiver on `port` (default: any free one). */
  static start(port = 0): WebhookReceiver {
    return new WebhookReceiver(port);
  }

  /** The URL to register. */
  get url(): string {
    return `http://127.0.0.1:${this.#server.addr.port}/hook`;
  }

  /** The requests answered with a 2xx: the deliveries that succeeded, in order. */
  get delivered(): ReceivedWebhook[] {
    return this.received.filter((r) => typeof r.answer === "number" && r.answer < 300);
  }

  /** Stops the server, letting hung requests end. */
  async close(): Promise<void> {
    for (const release of this.#hung.splice(0)) release();
    await this.#server.shutdown();
  }

  /** The same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
