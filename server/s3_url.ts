/**
 * `PARLEY_S3_URL`: the object store for attachments as one URL, the provider's endpoint with the
 * credentials and the bucket added (docs/attachments.md, "S3"):
 *
 *     https://ACCESS_KEY_ID:SECRET_ACCESS_KEY@s3.eu-west-1.amazonaws.com/my-bucket?region=eu-west-1
 *     https://KEY:SECRET@<account>.r2.cloudflarestorage.com/my-bucket?region=auto
 *     http://KEY:SECRET@127.0.0.1:9000/my-bucket?path_style=true          (MinIO)
 *
 * The endpoint is what every provider documents, so it is pasted as it is: its scheme says
 * whether TLS is used. The key and secret are percent-decoded (a secret with `/` or `+` is
 * written `%2F`, `%2B`). `region` defaults to `us-east-1`; requests are virtual-host style
 * (`bucket.endpoint`) unless `path_style=true`, which an IP address or `localhost` needs.
 * Unknown parameters are refused, so a misspelt one is not silently ignored. Problems never
 * echo the value, which holds a secret.
 *
 * @module
 */

import type { S3Location } from "../db/s3_blob_store.ts";

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const REGION = /^[a-z0-9-]{1,40}$/;
const PARAMS = new Set(["region", "path_style"]);
const FORMAT = "https://ACCESS_KEY_ID:SECRET@host[:port]/bucket[?region=…&path_style=true]";

/** Whether a host can only be reached path-style (no `bucket.` in front of it). */
function ipOrLocal(hostname: string): boolean {
  return hostname === "localhost" || /^\d+(\.\d+){3}$/.test(hostname) ||
    hostname.startsWith("[");
}

/** Parses `PARLEY_S3_URL`; the error names what is wrong without repeating the value. */
export function parseS3Url(
  raw: string,
): { ok: true; value: S3Location } | { ok: false; error: string } {
  const fail = (why: string) => ({ ok: false as const, error: `${why} (format: ${FORMAT})` });
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return fail("is not a URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return fail("must start with https:// (or http:// for a store without TLS)");
  }
  let accessKeyId: string;
  let secretAccessKey: string;
  try {
    accessKeyId = decodeURIComponent(url.username);
    secretAccessKey = decodeURIComponent(url.password);
  } catch {
    return fail("has a badly percent-encoded access key or secret");
  }
  if (accessKeyId === "" || secretAccessKey === "") {
    return fail("must carry the access key id and secret as ACCESS_KEY_ID:SECRET@");
  }
  const segments = url.pathname.split("/").filter((s) => s !== "");
  if (segments.length !== 1) return fail("must name exactly one bucket as its path");
  const bucket = segments[0];
  if (!BUCKET.test(bucket)) {
    return fail(`names an invalid bucket "${bucket}" (3-63 of a-z, 0-9, ".", "-")`);
  }
  const unknown = [...url.searchParams.keys()].filter((k) => !PARAMS.has(k));
  if (unknown.length > 0) return fail(`has unknown parameters: ${unknown.join(", ")}`);
  const region = url.searchParams.get("region") ?? "us-east-1";
  if (!REGION.test(region)) return fail(`has an invalid region "${region}"`);
  const style = url.searchParams.get("path_style") ?? "false";
  if (style !== "true" && style !== "false") return fail("path_style must be true or false");
  const pathStyle = style === "true";
  if (!pathStyle && ipOrLocal(url.hostname)) {
    return fail(`names ${url.hostname}, which needs path_style=true`);
  }
  return {
    ok: true,
    value: {
      endpoint: url.origin,
      bucket,
      region,
      accessKeyId,
      secretAccessKey,
      pathStyle,
    },
  };
}
