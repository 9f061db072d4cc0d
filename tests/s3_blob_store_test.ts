/**
 * The S3 blob store against the test S3 server (`tests/helpers/s3_server.ts`), whose own
 * Signature V4 check is first proven on AWS's published example: chunks round-trip, a wrong
 * secret is refused by the signature check, missing chunks read as null, deletion by count and
 * by listing, and an outage is an `ObjectStoreError` (retryable, with the S3 status for the log).
 */

import assert from "node:assert/strict";
import { ObjectStoreError, objectUrl, S3BlobStore } from "../db/s3_blob_store.ts";
import { StoreUnavailableError } from "../db/store.ts";
import { parseS3Url } from "../server/s3_url.ts";
import { sigV4, startS3Server } from "./helpers/s3_server.ts";

Deno.test("the test server's SigV4 check computes AWS's published GET Object example", async () => {
  // docs.aws.amazon.com, "Examples: Signature Calculations in AWS Signature Version 4", GET Object.
  const headers = new Headers({
    host: "examplebucket.s3.amazonaws.com",
    range: "bytes=0-9",
    "x-amz-content-sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "x-amz-date": "20130524T000000Z",
  });
  const signature = await sigV4({
    method: "GET",
    path: "/test.txt",
    query: new URLSearchParams(),
    headers,
    signedHeaders: ["host", "range", "x-amz-content-sha256", "x-amz-date"],
    payloadHash: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    amzDate: "20130524T000000Z",
    scope: "20130524/us-east-1/s3/aws4_request",
  }, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
  assert.equal(signature, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
});

Deno.test("objectUrl puts the bucket in the path or in the host", () => {
  const loc = {
    endpoint: "https://s3.example.com:8443",
    bucket: "files",
    region: "us-east-1",
    accessKeyId: "k",
    secretAccessKey: "s",
  };
  assert.equal(
    objectUrl({ ...loc, pathStyle: true }, "a/0"),
    "https://s3.example.com:8443/files/a/0",
  );
  assert.equal(
    objectUrl({ ...loc, pathStyle: false }, "a/0"),
    "https://files.s3.example.com:8443/a/0",
  );
});

Deno.test("S3BlobStore stores, reads and deletes chunks, signed", async () => {
  await using s3 = await startS3Server();
  const parsed = parseS3Url(s3.url);
  assert.ok(parsed.ok);
  const store = new S3BlobStore(parsed.value);
  const a = crypto.getRandomValues(new Uint8Array(1000));
  await store.putChunk("att-1", 0, a);
  await store.putChunk("att-1", 1, new Uint8Array([1, 2, 3]));
  await store.putChunk("att-2", 0, new Uint8Array([9]));
  assert.deepEqual(s3.keys().sort(), [
    "attachments/att-1/0",
    "attachments/att-1/1",
    "attachments/att-2/0",
  ]);
  assert.deepEqual(await store.getChunk("att-1", 0), a);
  assert.equal(await store.getChunk("att-1", 2), null);
  assert.equal(s3.badSignatures, 0);

  // By count (a complete file), then by listing (an upload that never completed).
  assert.equal(await store.deleteAttachment("att-1", 2), 2);
  assert.deepEqual(s3.keys(), ["attachments/att-2/0"]);
  assert.equal(await store.deleteAttachment("att-2", null), 1);
  assert.equal(await store.deleteAttachment("att-2", null), 0);
  assert.equal(s3.objects.size, 0);
});

Deno.test("S3BlobStore: a wrong secret is refused by the signature check", async () => {
  await using s3 = await startS3Server();
  const parsed = parseS3Url(s3.url);
  assert.ok(parsed.ok);
  const wrong = new S3BlobStore({ ...parsed.value, secretAccessKey: "not-the-secret" });
  await assert.rejects(
    () => wrong.putChunk("x", 0, new Uint8Array([1])),
    (err) =>
      err instanceof ObjectStoreError && err.status === 403 &&
      /SignatureDoesNotMatch/.test(err.detail),
  );
  assert.equal(s3.badSignatures, 1);
  assert.equal(s3.objects.size, 0);
});

Deno.test("S3BlobStore: an outage or a missing bucket is unavailable, not a missing chunk", async () => {
  await using s3 = await startS3Server();
  const parsed = parseS3Url(s3.url);
  assert.ok(parsed.ok);
  const store = new S3BlobStore(parsed.value, { retries: 1 });
  s3.down = true;
  await assert.rejects(
    () => store.putChunk("x", 0, new Uint8Array([1])),
    (err) =>
      err instanceof ObjectStoreError && err instanceof StoreUnavailableError &&
      err.status === 503 &&
      /ServiceUnavailable/.test(err.detail) && !/not-the-secret|s3cr/.test(err.detail),
  );
  await assert.rejects(() => store.getChunk("x", 0), ObjectStoreError);
  s3.down = false;
  const other = new S3BlobStore({ ...parsed.value, bucket: "no-such-bucket" });
  await assert.rejects(
    () => other.getChunk("x", 0),
    (err) => err instanceof ObjectStoreError && /NoSuchBucket/.test(err.detail),
  );
  await s3.close();
  // Nobody listening: refused at once, no status.
  await assert.rejects(
    () => store.getChunk("x", 0),
    (err) => err instanceof ObjectStoreError && err.status === null,
  );
});
