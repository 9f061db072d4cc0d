/**
 * A real SMTP server for the tests: `smtp-server` (the nodemailer project's) in this process on
 * 127.0.0.1, every message parsed with `mailparser`. It can be stopped and started again on the
 * same port, to play an SMTP outage.
 *
 * Stopping does not wait on `net.Server`'s close callback: Deno before 2.7.5 (2.5 is Deno Deploy's
 * runtime) never calls it once a connection has come and gone. Its `node:net` accept handler
 * counted each new connection on the listening handle instead of the server (`this._connections++`
 * where `self` was meant; fixed in denoland/deno 20e1ef892e, PR #32418), while every closed one was
 * still counted off, so the server's count went below zero and never read "drained" again. The
 * helper counts its connections itself and stops once the listener is closed and none is open.
 *
 * @module
 */

// @ts-types="@types/smtp-server"
import { SMTPServer } from "smtp-server";
// @ts-types="@types/mailparser"
import { simpleParser } from "mailparser";
import { Buffer } from "node:buffer";
import type { Socket } from "node:net";
import { waitUntil } from "./wait.ts";

/** One message as received. */
export interface ReceivedMail {
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string | null;
  messageId: string;
  headers: Map<string, unknown>;
}

/** The running server: what it received, and its switch. */
export interface TestSmtpServer extends AsyncDisposable {
  port: number;
  /** `smtp://user:secret@127.0.0.1:<port>` (authentication is required). */
  url: string;
  received: ReceivedMail[];
  /** Resolves once `count` messages match `pred` (default: any), or times out. */
  waitFor(pred: (m: ReceivedMail) => boolean, what: string): Promise<ReceivedMail>;
  /** Stops listening: connections are refused until {@link start}. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
}

/** Starts an SMTP server on a random port of 127.0.0.1. */
export async function startSmtpServer(): Promise<TestSmtpServer> {
  const received: ReceivedMail[] = [];
  const make = () =>
    new SMTPServer({
      // Plain SMTP on loopback: nodemailer would upgrade with STARTTLS if it were offered.
      disabledCommands: ["STARTTLS"],
      allowInsecureAuth: true,
      // Loopback needs no reverse DNS (and Deno 2.5's node:dns does not implement it).
      disableReverseLookup: true,
      logger: false,
      onAuth(auth, _session, cb) {
        if (auth.username === "user" && auth.password === "secret") cb(null, { user: "user" });
        else cb(new Error("Invalid username or password"));
      },
      onData(stream, _session, cb) {
        const chunks: Buffer[] = [];
        stream.on("data", (c: Buffer) => chunks.push(c));
        stream.on("end", () => {
          simpleParser(Buffer.concat(chunks)).then((m) => {
            const to = Array.isArray(m.to) ? m.to : m.to ? [m.to] : [];
            received.push({
              to: to.flatMap((a) => a.value.map((v) => v.address ?? "")),
              from: m.from?.text ?? "",
              subject: m.subject ?? "",
              text: m.text ?? "",
              html: typeof m.html === "string" ? m.html : null,
              messageId: m.messageId ?? "",
              headers: m.headers,
            });
            cb();
          }, (err: Error) => cb(err));
        });
      },
    });
  let server = make();
  /** The connections the current listener accepted and that have not closed yet. */
  const open = new Set<Socket>();
  /** Called when the last open connection closes (set while stopping). */
  let drained: (() => void) | null = null;
  const track = (s: SMTPServer) =>
    s.server.on("connection", (socket: Socket) => {
      open.add(socket);
      socket.once("close", () => {
        open.delete(socket);
        if (open.size === 0) drained?.();
      });
    });
  track(server);
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.on("error", reject);
      server.listen(port, "127.0.0.1", () => {
        const addr = server.server.address();
        resolve(typeof addr === "object" && addr !== null ? addr.port : port);
      });
    });
  const port = await listen(0);
  let running = true;
  const stop = async () => {
    if (!running) return;
    running = false;
    await new Promise<void>((resolve) => {
      // smtp-server ends connections still open after its grace period; either way, the
      // close callback (runtimes that count connections right) or the last close ends the wait.
      drained = resolve;
      server.close(() => resolve());
      if (open.size === 0) resolve();
    });
    drained = null;
  };
  return {
    port,
    url: `smtp://user:secret@127.0.0.1:${port}`,
    received,
    async waitFor(pred, what) {
      let found: ReceivedMail | undefined;
      await waitUntil(() => (found = received.find(pred)) !== undefined, what);
      return found!;
    },
    stop,
    async start() {
      if (running) return;
      server = make();
      track(server);
      await listen(port);
      running = true;
    },
    [Symbol.asyncDispose]: stop,
  };
}
