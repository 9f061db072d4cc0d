/**
 * A file upload in parts from a browser (docs/attachments.md "Uploads in parts"), shared by the
 * widget's attachment chunk and the console: `POST` the file's name and size to a start URL, then
 * `PUT /api/uploads/:id?offset=N` each part (at most the `partBytes` the server names) over XHR,
 * which reports upload progress where `fetch` does not. After a dropped connection, a busy server
 * or a conflict, it asks the server where the upload stands (`GET /api/uploads/:id`) and goes on
 * from there, a few times with growing pauses, before it gives up; a file the server refuses
 * (type, size, a fake image) fails at once. Cancelling aborts the request in flight and deletes
 * the upload (`DELETE`), so nothing is left half stored.
 *
 * @module
 */

/** Why an upload failed: the HTTP status (0: no answer) and the server's error code. */
export interface UploadFailure {
  status: number;
  /** The server's error code, `unavailable` with no answer, `aborted` when cancelled. */
  code: string;
  message: string;
}

/** A running upload. */
export interface PartedUpload {
  /** The `attachment` of the last answer (to decode), or rejects with an {@link UploadFailure}. */
  done: Promise<unknown>;
  /** Stops sending and deletes the upload; `done` rejects with `aborted`. */
  abort(): void;
}

/** What to upload, where, and with which credentials. */
export interface PartedUploadOptions {
  /** The URL that starts the upload: `POST { name, size }` answers `201 { upload }`. */
  start: string;
  /** The Parley origin the part URLs start with (`""` on Parley's own pages). */
  origin: string;
  /** Credentials for every request: `Authorization` or the console's CSRF header. */
  headers: Record<string, string>;
  file: Blob;
  name: string;
  /** Called with the bytes stored or on their way so far. */
  progress(sent: number): void;
  /** How many times in a row to resume after a failure that may pass (default 4). */
  retries?: number;
}

interface Answer {
  status: number;
  data: Record<string, unknown>;
}

type Obj = Record<string, unknown>;

const obj = (v: unknown): Obj => (v !== null && typeof v === "object" ? v as Obj : {});

/** The failure an answer stands for. */
function failureOf(a: Answer): UploadFailure {
  const e = obj(a.data.error);
  return {
    status: a.status,
    code: typeof e.code === "string" ? e.code : a.status ? "internal" : "unavailable",
    message: typeof e.message === "string"
      ? e.message
      : a.status
      ? `Upload failed (${a.status})`
      : "Cannot reach the server",
  };
}

/** Whether trying again may help: no answer, a conflict, a busy or failing server. */
const passing = (status: number) =>
  status === 0 || status === 409 || status === 429 || status >= 500;

/** Starts uploading (see the module comment). */
export function uploadInParts(o: PartedUploadOptions): PartedUpload {
  let xhr: XMLHttpRequest | null = null;
  let id: string | null = null;
  let aborted = false;
  const cancelled: UploadFailure = { status: 0, code: "aborted", message: "Cancelled" };

  const request = (
    method: string,
    url: string,
    body: Blob | string | null,
    type?: string,
    onProgress?: (loaded: number) => void,
  ) =>
    new Promise<Answer>((resolve, reject) => {
      if (aborted) return reject(cancelled);
      const x = xhr = new XMLHttpRequest();
      x.open(method, url);
      x.setRequestHeader("accept", "application/json");
      for (const k in o.headers) x.setRequestHeader(k, o.headers[k]);
      if (type) x.setRequestHeader("content-type", type);
      if (onProgress) x.upload.onprogress = (e) => onProgress(e.loaded);
      x.onload = () => {
        let data: Obj = {};
        try {
          data = obj(JSON.parse(x.responseText));
        } catch { /* a proxy's error page: the status says enough */ }
        resolve({ status: x.status, data });
      };
      x.onerror = () => resolve({ status: 0, data: {} });
      x.onabort = () => reject(cancelled);
      x.send(body);
    });

  const run = async (): Promise<unknown> => {
    const started = await request(
      "POST",
      o.start,
      JSON.stringify({ name: o.name, size: o.file.size }),
      "application/json",
    );
    if (started.status !== 201) throw failureOf(started);
    const upload = obj(started.data.upload);
    id = String(upload.id);
    const partBytes = Number(upload.partBytes) || 1 << 20;
    const url = `${o.origin}/api/uploads/${encodeURIComponent(id)}`;
    let offset = Number(upload.offset) || 0;
    let failures = 0;
    for (;;) {
      const at = offset;
      const answer = await request(
        "PUT",
        `${url}?offset=${at}`,
        o.file.slice(at, at + partBytes),
        o.file.type || "application/octet-stream",
        (loaded) => o.progress(at + loaded),
      );
      if (answer.status === 201) return answer.data.attachment;
      if (answer.status === 200) {
        offset = Number(obj(answer.data.upload).offset);
        failures = 0;
        continue;
      }
      if (!passing(answer.status) || ++failures > (o.retries ?? 4)) throw failureOf(answer);
      await new Promise((r) => setTimeout(r, 250 * 2 ** failures));
      const where = await request("GET", url, null);
      if (where.status === 200) {
        if (where.data.attachment) return where.data.attachment;
        offset = Number(obj(where.data.upload).offset);
      } else if (!passing(where.status)) throw failureOf(where);
      o.progress(offset);
    }
  };

  let finished = false;
  const done = run().finally(() => finished = true);
  return {
    done,
    abort() {
      // Once done, the file is the caller's to send: a late abort must not delete it.
      if (aborted || finished) return;
      aborted = true;
      xhr?.abort();
      if (id === null) return;
      // Best effort: what is not deleted now, the server's sweep deletes within the hour.
      const x = new XMLHttpRequest();
      x.open("DELETE", `${o.origin}/api/uploads/${encodeURIComponent(id)}`);
      for (const k in o.headers) x.setRequestHeader(k, o.headers[k]);
      x.send();
    },
  };
}
