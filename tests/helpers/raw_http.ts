/**
 * One HTTP/1.1 request written byte for byte over TCP. `fetch` always sends the URL's own `Host`
 * (and drops one set by hand), so the tests that need a hostile or foreign `Host` write it here.
 *
 * @module
 */

/** A parsed answer: status, lower-cased headers and the body as text. */
export interface RawResponse {
  status: number;
  headers: Headers;
  body: string;
}

/**
 * Sends `method path` to the server at `baseUrl` with exactly `headers` (the caller's `Host`
 * included, or none) and `body`, and reads the answer until the server closes (or, for an
 * accepted WebSocket upgrade, until the end of the 101's head).
 */
export async function rawRequest(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body = "",
): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  try {
    const lines = [`${method} ${path} HTTP/1.1`];
    for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
    if (body !== "") lines.push(`content-length: ${new TextEncoder().encode(body).byteLength}`);
    lines.push("connection: close", "", body);
    await conn.write(new TextEncoder().encode(lines.join("\r\n")));
    let text = "";
    const decoder = new TextDecoder();
    const buf = new Uint8Array(16_384);
    for (;;) {
      const n = await conn.read(buf);
      if (n === null) break;
      text += decoder.decode(buf.subarray(0, n), { stream: true });
      // An accepted WebSocket upgrade keeps the connection open: its head is the whole answer.
      if (text.startsWith("HTTP/1.1 101") && text.includes("\r\n\r\n")) break;
    }
    return parse(text + decoder.decode());
  } finally {
    conn.close();
  }
}

function parse(text: string): RawResponse {
  const end = text.indexOf("\r\n\r\n");
  if (end < 0) throw new Error(`Incomplete HTTP response: ${text.slice(0, 200)}`);
  const [statusLine, ...fields] = text.slice(0, end).split("\r\n");
  const headers = new Headers();
  for (const f of fields) {
    const colon = f.indexOf(":");
    headers.append(f.slice(0, colon).trim(), f.slice(colon + 1).trim());
  }
  let body = text.slice(end + 4);
  if (headers.get("transfer-encoding")?.includes("chunked")) body = unchunk(body);
  return { status: Number(statusLine.split(" ")[1]), headers, body };
}

function unchunk(text: string): string {
  let out = "";
  let at = 0;
  for (;;) {
    const eol = text.indexOf("\r\n", at);
    const size = parseInt(text.slice(at, eol), 16);
    if (!(size > 0)) return out;
    out += text.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
}
