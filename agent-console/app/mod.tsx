/**
 * Entry point of the agent console bundle: builds the HTTP client, the notifier and the sign-in
 * model, renders the app into `#app`, and checks the session.
 *
 * @module
 */

import { render } from "preact";
import { createApi } from "./api.ts";
import { createAuth } from "./auth.ts";
import { App } from "./components/App.tsx";
import { createNotifier } from "./notify.ts";

const api = createApi();
const notifier = createNotifier();
const wsUrl = `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/ws/agent`;
const auth = createAuth({
  api,
  notifier,
  wsUrl,
  openConversation: (id) => {
    const s = auth.state.peek();
    if (s.kind === "signed_in") s.session.model.select(id);
  },
});

const root = document.getElementById("app");
if (root) render(<App auth={auth} notifier={notifier} />, root);
void auth.check();
