import type { Auth } from "../auth.ts";

/** The sign-in page: "Email", "Password", "Sign in", and a clear message on failure. */
export function SignIn({ auth }: { auth: Auth }) {
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
      </form>
    </main>
  );
}
