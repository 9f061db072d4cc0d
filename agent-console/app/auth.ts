/**
 * Sign-in state: checking the session on load (`GET /api/agent/me`), signing in and out, and
 * starting or stopping the {@link Session} that belongs to a signed-in agent.
 *
 * @module
 */

import { createModel, signal } from "@preact/signals";
import { ApiError, type ConsoleApi } from "./api.ts";
import type { Notifier } from "./notify.ts";
import { type Session, startSession } from "./session.ts";

/** Where sign-in stands. */
export type AuthState =
  | { kind: "checking" }
  | { kind: "signed_out"; message: string | null }
  | { kind: "signed_in"; session: Session };

/** What {@link createAuth} needs. */
export interface AuthDeps {
  api: ConsoleApi;
  notifier: Notifier;
  /** Absolute URL of `/ws/agent`. */
  wsUrl: string;
  /** Brings a conversation on screen (notification click). */
  openConversation(id: string): void;
}

/** The message shown for a failed sign-in. */
export function signInError(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 401) return "Wrong email or password";
    if (err.status === 429) return "Too many sign-in attempts. Wait a minute and try again";
    if (err.status === 0) return err.message;
    return `Cannot sign in: ${err.message}`;
  }
  return "Cannot sign in: unexpected error";
}

const AuthClass = createModel((deps: AuthDeps) => {
  const state = signal<AuthState>({ kind: "checking" });
  const busy = signal(false);

  function end(message: string | null) {
    const s = state.peek();
    if (s.kind === "signed_in") s.session.stop();
    state.value = { kind: "signed_out", message };
  }

  function begin(me: Parameters<typeof startSession>[0]["me"]) {
    const session = startSession({
      me,
      api: deps.api,
      notifier: deps.notifier,
      wsUrl: deps.wsUrl,
      onUnauthorized: () => end("Your session has ended. Please sign in again"),
      openConversation: deps.openConversation,
    });
    state.value = { kind: "signed_in", session };
  }

  return {
    state,
    busy,
    /** Finds out whether the session cookie is still good. */
    async check() {
      try {
        const me = await deps.api.me();
        if (me) begin(me);
        else state.value = { kind: "signed_out", message: null };
      } catch (err) {
        state.value = {
          kind: "signed_out",
          message: err instanceof ApiError ? err.message : "Cannot reach the server",
        };
      }
    },
    /** Signs in; a failure leaves a message on the sign-in page. */
    async signIn(email: string, password: string) {
      if (busy.value) return;
      busy.value = true;
      try {
        begin(await deps.api.login(email.trim(), password));
      } catch (err) {
        state.value = { kind: "signed_out", message: signInError(err) };
      } finally {
        busy.value = false;
      }
    },
    /** Signs out of this browser, or of every browser when `everywhere`. */
    async signOut(everywhere = false) {
      try {
        if (everywhere) await deps.api.logoutAll();
        else await deps.api.logout();
      } catch {
        // Even if the server is unreachable, leave the console locally.
      }
      end(everywhere ? "Signed out on every device" : null);
    },
  };
});

/** Sign-in state and actions. */
export type Auth = InstanceType<typeof AuthClass>;

/** Creates the sign-in model. */
export function createAuth(deps: AuthDeps): Auth {
  return new AuthClass(deps);
}
