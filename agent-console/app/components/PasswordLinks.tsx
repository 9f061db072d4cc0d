import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { ApiError, apiRequest } from "../api.ts";

/** The console paths an emailed link opens (`core/mail/agent_links.ts` LINK_PATHS). */
export const LINK_PAGES: Record<string, "reset" | "invite"> = {
  "/console/reset-password": "reset",
  "/console/accept-invite": "invite",
};

/** The answer to every reset request, whether or not the address has an account. */
export const RESET_SENT = "If an account exists for that address, we've sent a link to reset " +
  "the password.";

function failure(err: unknown): string {
  if (err instanceof ApiError && err.status === 429) {
    return "Too many requests. Wait a few minutes and try again";
  }
  return err instanceof Error ? err.message : "Unexpected error";
}

/**
 * "Forgot password?": "Email", "Send reset link", "Back to sign in". Always the same answer
 * ({@link RESET_SENT}): the page never says whether an account exists.
 */
export function ForgotPassword({ onBack }: { onBack: () => void }) {
  const status = useSignal<{ ok: boolean; text: string } | null>(null);
  const busy = useSignal(false);
  const onSubmit = async (e: Event) => {
    e.preventDefault();
    const email = String(new FormData(e.currentTarget as HTMLFormElement).get("email") ?? "");
    busy.value = true;
    try {
      await apiRequest("POST", "/api/agent/password-reset", { email: email.trim() });
      status.value = { ok: true, text: RESET_SENT };
    } catch (err) {
      status.value = { ok: false, text: failure(err) };
    } finally {
      busy.value = false;
    }
  };
  const s = status.value;
  return (
    <form class="signin-card" onSubmit={onSubmit} aria-labelledby="forgot-title">
      <div class="brand-mark" aria-hidden="true">P</div>
      <h1 id="forgot-title">Reset your password</h1>
      <p class="muted">Enter your email address and we'll send you a link to choose a new one.</p>
      <label class="field">
        <span>Email</span>
        <input name="email" type="email" autocomplete="username" required autofocus />
      </label>
      {s && <p class={s.ok ? "form-ok" : "form-error"} role={s.ok ? "status" : "alert"}>{s.text}
      </p>}
      <button type="submit" class="button primary block" disabled={busy.value}>
        Send reset link
      </button>
      <button type="button" class="link-button" onClick={onBack}>Back to sign in</button>
    </form>
  );
}

type LinkView =
  | { kind: "checking" }
  | { kind: "form"; error: string | null }
  | { kind: "done" }
  | { kind: "dead"; text: string };

const DEAD: Record<string, string> = {
  used: "This link was already used. Ask for a new one from the sign-in page.",
  expired: "This link has expired. Ask for a new one from the sign-in page.",
  unknown: "This link is not valid. Check that you copied all of it.",
};

/**
 * The page an emailed link opens: "New password" and "Set password"; a used, expired or
 * unknown link says so at once. The token is in the fragment (`#token=…`), never sent in a URL.
 */
export function SetPassword({ purpose }: { purpose: "reset" | "invite" }) {
  const token = new URLSearchParams(location.hash.slice(1)).get("token") ?? "";
  const view = useSignal<LinkView>({ kind: "checking" });
  useEffect(() => {
    apiRequest("POST", "/api/agent/links/check", { token: token || "-" }).then(
      (r) => {
        const state = (r as { state?: string } | null)?.state ?? "unknown";
        view.value = state === "valid"
          ? { kind: "form", error: null }
          : { kind: "dead", text: DEAD[state] ?? DEAD.unknown };
      },
      (err) =>
        view.value = {
          kind: "dead",
          text: err instanceof ApiError && err.status === 404 ? DEAD.unknown : failure(err),
        },
    );
  }, []);
  const onSubmit = async (e: Event) => {
    e.preventDefault();
    const password = String(
      new FormData(e.currentTarget as HTMLFormElement).get("password") ?? "",
    );
    try {
      await apiRequest("POST", "/api/agent/links/use", { token, password });
      history.replaceState(null, "", "/console");
      view.value = { kind: "done" };
    } catch (err) {
      view.value = err instanceof ApiError && err.status === 409
        ? { kind: "dead", text: `${err.message}. Ask for a new one from the sign-in page.` }
        : { kind: "form", error: failure(err) };
    }
  };
  const v = view.value;
  const title = purpose === "invite" ? "Set your password" : "Choose a new password";
  return (
    <main class="signin">
      <form class="signin-card" onSubmit={onSubmit} aria-labelledby="link-title">
        <div class="brand-mark" aria-hidden="true">P</div>
        <h1 id="link-title">{title}</h1>
        {v.kind === "checking" && <p class="muted" aria-busy="true">Checking the link…</p>}
        {v.kind === "dead" && <p class="form-error" role="alert">{v.text}</p>}
        {v.kind === "done" && (
          <p class="form-ok" role="status">
            Your password is set.{" "}
            {purpose === "reset" ? "You were signed out on every device. " : ""}
            <a href="/console">Sign in</a>
          </p>
        )}
        {v.kind === "form" && (
          <>
            <label class="field">
              <span>New password</span>
              <input
                name="password"
                type="password"
                autocomplete="new-password"
                minLength={8}
                maxLength={200}
                required
                autofocus
              />
            </label>
            <p class="muted">At least 8 characters.</p>
            {v.error && <p class="form-error" role="alert">{v.error}</p>}
            <button type="submit" class="button primary block">Set password</button>
          </>
        )}
        {(v.kind === "dead") && <a href="/console">Back to sign in</a>}
      </form>
    </main>
  );
}
