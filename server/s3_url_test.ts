import assert from "node:assert/strict";
import { parseS3Url } from "./s3_url.ts";
import { ConfigError, loadConfig } from "./config.ts";

Deno.test("parseS3Url reads an AWS endpoint with defaults: TLS, us-east-1, virtual-host style", () => {
  const r = parseS3Url("https://AKIAEXAMPLE:abc%2Fdef%2Bghi@s3.amazonaws.com/my-bucket");
  assert.deepEqual(r, {
    ok: true,
    value: {
      endpoint: "https://s3.amazonaws.com",
      bucket: "my-bucket",
      region: "us-east-1",
      accessKeyId: "AKIAEXAMPLE",
      secretAccessKey: "abc/def+ghi",
      pathStyle: false,
    },
  });
});

Deno.test("parseS3Url reads MinIO over http, path style, with a port and a region", () => {
  const r = parseS3Url(
    "http://minio:minio%40123@127.0.0.1:9000/parley?region=eu-1&path_style=true",
  );
  assert.ok(r.ok);
  assert.equal(r.value.endpoint, "http://127.0.0.1:9000");
  assert.equal(r.value.secretAccessKey, "minio@123");
  assert.equal(r.value.region, "eu-1");
  assert.equal(r.value.pathStyle, true);
  const r2 = parseS3Url("https://k:s@acct.r2.cloudflarestorage.com/files?region=auto");
  assert.ok(r2.ok);
  assert.equal(r2.value.region, "auto");
});

Deno.test("parseS3Url refuses bad values without echoing the secret", () => {
  for (
    const [raw, problem] of [
      ["not a url", /is not a URL/],
      ["s3://k:s@host/bucket", /must start with https:\/\//],
      ["https://host/bucket", /access key id and secret/],
      ["https://k@host/bucket", /access key id and secret/],
      ["https://k:%ZZsecret@host/bucket", /badly percent-encoded/],
      ["https://k:topsecret@host/", /exactly one bucket/],
      ["https://k:topsecret@host/a/b", /exactly one bucket/],
      ["https://k:topsecret@host/Bad_Bucket", /invalid bucket/],
      ["https://k:topsecret@host/bucket?pathstyle=true", /unknown parameters: pathstyle/],
      ["https://k:topsecret@host/bucket?path_style=yes", /path_style must be true or false/],
      ["https://k:topsecret@host/bucket?region=EU%20West", /invalid region/],
      ["http://k:topsecret@127.0.0.1:9000/bucket", /needs path_style=true/],
      ["http://k:topsecret@localhost:9000/bucket", /needs path_style=true/],
    ] as const
  ) {
    const r = parseS3Url(raw);
    assert.ok(!r.ok, raw);
    assert.match(r.error, problem, raw);
    assert.ok(!r.error.includes("topsecret"), `the secret is not echoed: ${r.error}`);
  }
});

Deno.test("loadConfig reads PARLEY_S3_URL into uploads.s3 and names it when it is bad", () => {
  assert.equal(loadConfig({}).uploads.s3, null);
  const c = loadConfig({
    PARLEY_S3_URL: "https://k:s@s3.eu-west-1.amazonaws.com/b-1?region=eu-west-1",
  });
  assert.equal(c.uploads.s3?.bucket, "b-1");
  assert.throws(
    () => loadConfig({ PARLEY_S3_URL: "https://k:hunter2@host/" }),
    (err) =>
      err instanceof ConfigError &&
      /PARLEY_S3_URL must name exactly one bucket/.test(err.message) &&
      !err.message.includes("hunter2"),
  );
});
