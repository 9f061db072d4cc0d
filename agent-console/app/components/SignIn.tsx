import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { Auth } from "../auth.ts";
import { apiRequest } from "../api.ts";
import { ForgotPassword } from "./PasswordLinks.tsx";

/**
 * The sign-in page: "Email", "Password", "Sign in", and a clear message on failure; with email
 * configured, "Forgot password?" opens the reset request.
 */
export function SignIn({ auth }: { auth: Auth }) {
  const canReset = useSignal(false);
  const forgot = useSignal(false);
  useEffect(() => {
    apiRequest("GET", "/api/agent/password-reset").then(
      (r) => canReset.value = (r as { available?: unknown } | null)?.available === true,
      () => {},
    );
  }, []);
  if (forgot.value) {
    return (
      <main class="signin">
        <ForgotPassword onBack={() => forgot.value = false} />
      </main>
    );
  }
  const state = auth.state.value;
  const message = state.kind === "signed_out" ? state.message : null;
  const busy = auth.busy.value;
  const onSubmit = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    void auth.signIn(String(form.get("email") ?? ""), String(form.get("password") ?? ""));
  };
  return (
    <main class="signin">
      <form class="signin-card" onSubmit={onSubmit} aria-labelledby="signin-title">
        <div class="brand-mark" aria-hidden="true">P</div>
        <h1 id="signin-title">Sign in to Parley</h1>
        <p class="muted">The agent console for live customer support.</p>
        <label class="field">
          <span>Email</span>
          <input name="email" type="email" autocomplete="username" required autofocus />
        </label>
        <label class="field">
          <span>Password</span>
          <input name="password" type="password" autocomplete="current-password" required />
        </label>
        {message && <p class="form-error" role="alert">{message}</p>}
        <button type="submit" class="button primary block" disabled={busy} aria-busy={busy}>
          Sign in
        </button>
        {canReset.value && (
          <button
            type="button"
            class="link-button"
            onClick={() => forgot.value = true}
          >
            Forgot password?
          </button>
        )}
      </form>
    </main>
  );
}
