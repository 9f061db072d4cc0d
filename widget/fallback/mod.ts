/**
 * The fallback chunk (`assets/widget-fallback-<hash>.js`, docs/widget.md "When WebSockets are
 * blocked"), loaded by the UI bundle once two connection attempts in a row ended before `welcome`.
 * It has no strings, so one chunk serves every locale. It hands the UI a socket factory (a
 * WebSocket first, the HTTP fallback when that fails, `protocol/client/fallback_socket.ts`)
 * through an event on its own `<script>` element, as the UI does to the loader.
 *
 * @module
 */

import { UI_READY_EVENT } from "../api.ts";
import { browserSocket } from "../../protocol/client/socket.ts";
import { fallbackSocket, hybridSocket } from "../../protocol/client/fallback_socket.ts";

document.currentScript?.dispatchEvent(
  new CustomEvent(UI_READY_EVENT, {
    detail: hybridSocket({ webSocket: browserSocket, fallback: fallbackSocket() }),
  }),
);
