/**
 * A minimal S3-compatible server for tests, in-process on a random loopback port: PUT, GET and
 * DELETE of objects and ListObjectsV2 of one bucket, in memory, path-style.
 *
 * Written here rather than using `npm:s3rver`: s3rver runs under Deno, but it does not check
 * Signature V4 at all (its authentication middleware accepts any V4 signature, "calculation is
 * unimplemented"), so a signing bug would pass every test. This server recomputes each request's
 * signature with its own code (WebCrypto, not aws4fetch) and refuses a wrong one with 403
 * `SignatureDoesNotMatch`, checks the signed payload hash against the body, and the scope's
 * region. {@link S3TestServer.down} makes it answer 503 to everything, for outages.
 *
 * @module
 */

const enc = new TextEncoder();

/** A running test S3 server. */
export interface S3TestServer {
  /** `PARLEY_S3_URL` for it (credentials percent-encoded, path style). */
  url: string;
  port: number;
  bucket: string;
  /** The stored objects by key. */
  objects: Map<string, Uint8Array>;
  /** While true, every request is answered 503 `ServiceUnavailable`. */
  down: boolean;
  /** Requests refused for a bad signature (should stay 0). */
  badSignatures: number;
  /** Keys under `prefix` (default: all). */
  keys(prefix?: string): string[];
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Credentials the server accepts; the secret has characters that must be percent-encoded. */
export const S3_TEST_CREDENTIALS = {
  accessKeyId: "PARLEYTESTKEY",
  secretAccessKey: "s3cr/t+Key=with:odd@chars",
  region: "us-east-1",
};

function hex(buf: ArrayBuffer | Uint8Array): string {
  return Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function sha256(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === "string" ? enc.encode(data) : data;
  return hex(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
}

async function hmac(key: Uint8Array | string, data: string): Promise<Uint8Array> {
  const raw = typeof key === "string" ? enc.encode(key) : key;
  const k = await crypto.subtle.importKey(
    "raw",
    raw as Uint8Array<ArrayBuffer>,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, enc.encode(data)));
}

/** RFC 3986 encoding as SigV4 wants it (unreserved characters only left as they are). */
function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16)}`);
}

/** What a request's signature covers, from AWS's "Signature Version 4" description. */
export interface SignedRequest {
  method: string;
  /** The path as sent (already URI-encoded). */
  path: string;
  query: URLSearchParams;
  /** Lower-case header names. */
  headers: Headers;
  signedHeaders: string[];
  payloadHash: string;
  amzDate: string;
  scope: string;
}

/** The SigV4 signature of `req` with `secret`: canonical request, string to sign, signing key. */
export async function sigV4(req: SignedRequest, secret: string): Promise<string> {
  const query = [...req.query].map(([k, v]) => [uriEncode(k), uriEncode(v)])
    .sort((a, b) => a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : 1)
    .map(([k, v]) => `${k}=${v}`).join("&");
  const canonicalHeaders = req.signedHeaders
    .map((h) => `${h}:${(req.headers.get(h) ?? "").trim().replace(/\s+/g, " ")}\n`).join("");
  const canonical = [
    req.method,
    req.path,
    query,
    canonicalHeaders,
    req.signedHeaders.join(";"),
    req.payloadHash,
  ].join("\n");
  const toSign = ["AWS4-HMAC-SHA256", req.amzDate, req.scope, await sha256(canonical)].join("\n");
  const [date, region, service] = req.scope.split("/");
  let key = await hmac(`AWS4${secret}`, date);
  key = await hmac(key, region);
  key = await hmac(key, service);
  key = await hmac(key, "aws4_request");
  return hex(await hmac(key, toSign));
}

function xml(status: number, code: string, message: string): Response {
  return new Response(
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`,
    { status, headers: { "content-type": "application/xml" } },
  );
}

const AUTH =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8}\/[^/]+\/s3\/aws4_request), ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

/** Checks a request's signature; a Response to answer when it fails, else null. */
async function authenticate(req: Request, url: URL, body: Uint8Array): Promise<Response | null> {
  const m = AUTH.exec(req.headers.get("authorization") ?? "");
  if (!m) return xml(403, "AccessDenied", "Missing or malformed Authorization");
  const [, keyId, scope, signed, signature] = m;
  if (keyId !== S3_TEST_CREDENTIALS.accessKeyId) {
    return xml(403, "InvalidAccessKeyId", "Unknown access key");
  }
  const amzDate = req.headers.get("x-amz-date") ?? "";
  const signedHeaders = signed.split(";");
  for (const required of ["host", "x-amz-date", "x-amz-content-sha256"]) {
    if (!signedHeaders.includes(required)) {
      return xml(403, "AccessDenied", `${required} must be signed`);
    }
  }
  if (
    !scope.startsWith(amzDate.slice(0, 8)) || scope.split("/")[1] !== S3_TEST_CREDENTIALS.region
  ) {
    return xml(403, "AuthorizationHeaderMalformed", "Bad credential scope");
  }
  const at = Date.UTC(
    Number(amzDate.slice(0, 4)),
    Number(amzDate.slice(4, 6)) - 1,
    Number(amzDate.slice(6, 8)),
    Number(amzDate.slice(9, 11)),
    Number(amzDate.slice(11, 13)),
    Number(amzDate.slice(13, 15)),
  );
  if (!(Math.abs(Date.now() - at) < 15 * 60_000)) {
    return xml(403, "RequestTimeTooSkewed", "The request time is too far from the server's");
  }
  const payloadHash = req.headers.get("x-amz-content-sha256") ?? "";
  if (payloadHash !== "UNSIGNED-PAYLOAD" && payloadHash !== await sha256(body)) {
    return xml(400, "XAmzContentSHA256Mismatch", "The body does not match its signed hash");
  }
  const expected = await sigV4({
    method: req.method,
    path: url.pathname,
    query: url.searchParams,
    headers: req.headers,
    signedHeaders,
    payloadHash,
    amzDate,
    scope,
  }, S3_TEST_CREDENTIALS.secretAccessKey);
  if (expected !== signature) {
    return xml(403, "SignatureDoesNotMatch", "The signature does not match");
  }
  return null;
}

function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Starts the server with one empty bucket. */
export async function startS3Server(bucket = "parley-test"): Promise<S3TestServer> {
  const objects = new Map<string, Uint8Array>();
  const state = { down: false, badSignatures: 0 };
  const handle = async (req: Request): Promise<Response> => {
    const body = new Uint8Array(await req.arrayBuffer());
    if (state.down) return xml(503, "ServiceUnavailable", "Down for the test");
    const url = new URL(req.url);
    const denied = await authenticate(req, url, body);
    if (denied) {
      if (denied.status === 403) state.badSignatures++;
      return denied;
    }
    const [, first, ...rest] = url.pathname.split("/");
    if (decodeURIComponent(first) !== bucket) return xml(404, "NoSuchBucket", "No such bucket");
    const key = rest.map(decodeURIComponent).join("/");
    if (key === "" && req.method === "GET" && url.searchParams.get("list-type") === "2") {
      const prefix = url.searchParams.get("prefix") ?? "";
      const keys = [...objects.keys()].filter((k) => k.startsWith(prefix)).sort().slice(0, 1000);
      const contents = keys.map((k) =>
        `<Contents><Key>${escapeXml(k)}</Key><Size>${objects.get(k)?.length}</Size></Contents>`
      ).join("");
      return new Response(
        `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult><Name>${bucket}</Name>` +
          `<Prefix>${escapeXml(prefix)}</Prefix><KeyCount>${keys.length}</KeyCount>` +
          `<IsTruncated>false</IsTruncated>${contents}</ListBucketResult>`,
        { headers: { "content-type": "application/xml" } },
      );
    }
    if (key === "") return xml(400, "InvalidRequest", "Not supported here");
    switch (req.method) {
      case "PUT":
        objects.set(key, body);
        return new Response(null, { status: 200, headers: { etag: `"${await sha256(body)}"` } });
      case "GET": {
        const data = objects.get(key);
        if (!data) return xml(404, "NoSuchKey", "No such key");
        return new Response(data as Uint8Array<ArrayBuffer>, {
          headers: { "content-type": "application/octet-stream" },
        });
      }
      case "DELETE":
        objects.delete(key);
        return new Response(null, { status: 204 });
      default:
        return xml(405, "MethodNotAllowed", "Not supported here");
    }
  };
  const listening = Promise.withResolvers<number>();
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: ({ port }) => listening.resolve(port),
  }, handle);
  const port = await listening.promise;
  const { accessKeyId, secretAccessKey } = S3_TEST_CREDENTIALS;
  const url = `http://${encodeURIComponent(accessKeyId)}:${
    encodeURIComponent(secretAccessKey)
  }@127.0.0.1:${port}/${bucket}?path_style=true`;
  const close = () => server.shutdown();
  return {
    url,
    port,
    bucket,
    objects,
    get down() {
      return state.down;
    },
    set down(v: boolean) {
      state.down = v;
    },
    get badSignatures() {
      return state.badSignatures;
    },
    keys: (prefix = "") => [...objects.keys()].filter((k) => k.startsWith(prefix)),
    close,
    [Symbol.asyncDispose]: close,
  };
}
