import type { Auth } from "../auth.ts";
import type { Notifier } from "../notify.ts";
import { Console } from "./Console.tsx";
import { SignIn } from "./SignIn.tsx";
import { LINK_PAGES, SetPassword } from "./PasswordLinks.tsx";

/** The root: a loading screen, the sign-in page, or the console for a session. */
export function App({ auth, notifier }: { auth: Auth; notifier: Notifier }) {
  // An emailed link (password reset, invitation) opens its own page, signed in or not.
  const linkPage = LINK_PAGES[location.pathname];
  if (linkPage) return <SetPassword purpose={linkPage} />;
  const state = auth.state.value;
  if (state.kind === "checking") {
    return (
      <main class="splash" aria-busy="true">
        <h1 class="sr-only">Parley console</h1>
        <span class="brand-mark" aria-hidden="true">P</span>
        <p class="muted">Loading the console…</p>
      </main>
    );
  }
  if (state.kind === "signed_out") return <SignIn auth={auth} />;
  return <Console session={state.session} auth={auth} notifier={notifier} />;
}
