/**
 * The embedded database's disk, with Parley on PGlite and its data directory on an ext4
 * filesystem in a loop-mounted image.
 *
 * A power cut: visitors write. The server is frozen (SIGSTOP) and the
 * image copied: the copy holds what had reached the device and nothing of the page cache, which is
 * what a disk holds when the power goes. The copy is mounted (ext4 replays its journal) and
 * opened: every message acknowledged before the cut must be there, with its body.
 *
 * Needs root and the loop device (`losetup`, `mkfs.ext4`, `mount`); outside CI it is skipped
 * when they are missing, under `CI=true` their absence fails it.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { createPgliteDb } from "../db/pglite_driver.ts";
import { IN_CI } from "./helpers/database.ts";
import { faultTestsEnabled, figure, sleep } from "./helpers/faults.ts";
import { OutboxVisitor } from "./helpers/outbox_visitor.ts";
import { freePort } from "./helpers/pg_instance.ts";
import { FAST_WRITERS_ENV, type ServerProcess, spawnServer } from "./helpers/process.ts";
import { waitUntil } from "./helpers/wait.ts";

async function run(cmd: string, ...args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`${cmd} ${args.join(" ")} failed (${out.code}): ${text}`);
  return text;
}

/** Whether this machine can loop-mount an image (root, the tools, the loop device). */
async function loopMountAvailable(): Promise<string | null> {
  if (Deno.uid() !== 0) return "not root";
  try {
    await Deno.stat("/dev/loop-control");
  } catch {
    return "no /dev/loop-control";
  }
  for (const tool of ["losetup", "mkfs.ext4", "mount", "umount"]) {
    try {
      await run("sh", "-c", `command -v ${tool}`);
    } catch {
      return `${tool} is missing`;
    }
  }
  return null;
}

const enabled = faultTestsEnabled("faults_disk_test");
const missing = enabled ? await loopMountAvailable() : null;
if (missing && !IN_CI) console.warn(`faults_disk_test: skipped, ${missing}`);

/** A new ext4 image of `size` (e.g. `"256M"`) at `image`, mounted on `dir`. */
async function freshDisk(image: string, size: string, dir: string) {
  await run("truncate", "-s", size, image);
  await run("mkfs.ext4", "-q", "-F", image);
  return await mountImage(image, dir);
}

/** An ext4 image mounted on a directory; `unmount` detaches it (and its loop device). */
async function mountImage(image: string, dir: string): Promise<{ unmount(): Promise<void> }> {
  await Deno.mkdir(dir, { recursive: true });
  await run("mount", "-o", "loop", image, dir);
  return { unmount: () => run("umount", dir).then(() => {}) };
}

Deno.test({
  name: "PGlite on a power cut: every message acknowledged before the cut is on the disk",
  ignore: !enabled || (missing !== null && !IN_CI),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    assert.equal(missing, null, `the power-cut test needs the loop device: ${missing}`);
    const work = await Deno.makeTempDir({ prefix: "parley_power_" });
    const image = join(work, "disk.img");
    const copy = join(work, "cut.img");
    const mounts: { unmount(): Promise<void> }[] = [];
    const visitors: OutboxVisitor[] = [];
    try {
      mounts.push(await freshDisk(image, "256M", join(work, "live")));
      const proc = spawnServer(freePort(), {
        DATABASE_URL: "",
        DATA_DIR: join(work, "live", "data"),
        ...FAST_WRITERS_ENV,
      });
      try {
        await proc.waitReady(120_000);
        const wsUrl = proc.url.replace(/^http/, "ws");
        for (let i = 0; i < 4; i++) {
          const v = new OutboxVisitor({ wsUrl, maxBackoffMs: 500 });
          v.start();
          visitors.push(v);
        }
        await Promise.all(visitors.map((v) => v.welcomed()));
        const bodies = new Map<string, string>();
        // Traffic for less than ext4's 5 s journal commit, so nothing but fsync moves the
        // messages from the page cache to the device before the cut.
        const until = Date.now() + 2_500;
        for (let i = 0; Date.now() < until; i++) {
          visitors.forEach((v, k) => {
            const body = `visitor ${k} message ${i}`;
            bodies.set(v.write(body), body);
          });
          await sleep(20);
        }
        // The cut: nothing runs between the freeze and the copy, so the copy is what the device
        // held. Acks that arrive after the freeze were sent before it, so they count too.
        proc.kill("SIGSTOP");
        await run("cp", "--sparse=always", image, copy);
        proc.kill("SIGKILL");
        await proc.status;
        const acked = visitors.flatMap((v) => v.acks);
        for (const v of visitors) v.stop();
        assert.ok(acked.length > 50, `enough traffic before the cut (${acked.length} acks)`);

        mounts.push(await mountImage(copy, join(work, "cut")));
        const db = await createPgliteDb(join(work, "cut", "data"));
        try {
          // On a disk that lost everything the schema is gone too: then nothing is stored.
          const [{ present }] = await db.query(
            "SELECT to_regclass('messages') IS NOT NULL AS present",
          );
          const rows = present ? await db.query("SELECT client_id, body FROM messages") : [];
          const stored = new Map(rows.map((r) => [String(r.client_id), String(r.body)]));
          const lost = acked.filter((a) => stored.get(a.clientId) !== bodies.get(a.clientId));
          figure("power cut: acknowledged before the cut", acked.length);
          figure("power cut: of those, on the disk", acked.length - lost.length);
          assert.deepEqual(lost.map((a) => a.clientId), [], "acknowledged messages lost");
        } finally {
          await db.close();
        }
      } finally {
        await proc.dispose();
      }
    } finally {
      for (const v of visitors) v.stop();
      for (const m of mounts.reverse()) await m.unmount().catch(() => {});
      await Deno.remove(work, { recursive: true }).catch(() => {});
    }
  },
});

/** What `GET /readyz` answers: status code and `status` field. */
async function readiness(url: string): Promise<{ code: number; status: string }> {
  const res = await fetch(`${url}/readyz`);
  const body = await res.json() as { status: string };
  return { code: res.status, status: body.status };
}

/** Fills the filesystem mounted on `dir` with one file, `dir/filler`. */
async function fill(dir: string): Promise<void> {
  // dd stops with "No space left on device" (and a failure status): that is the point.
  await new Deno.Command("dd", {
    args: ["if=/dev/zero", `of=${join(dir, "filler")}`, "bs=1M"],
    stdout: "null",
    stderr: "null",
  }).output();
  await run("sync");
}

Deno.test({
  name: "PGlite on a full disk: /readyz and the log say so by name, and writes resume after",
  ignore: !enabled || (missing !== null && !IN_CI),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    assert.equal(missing, null, `the disk-full test needs the loop device: ${missing}`);
    const work = await Deno.makeTempDir({ prefix: "parley_full_" });
    const image = join(work, "disk.img");
    const live = join(work, "live");
    const env = { DATABASE_URL: "", DATA_DIR: join(live, "data"), ...FAST_WRITERS_ENV };
    let mount: { unmount(): Promise<void> } | null = null;
    let proc: ServerProcess | null = null;
    const visitors: OutboxVisitor[] = [];
    try {
      mount = await freshDisk(image, "160M", live);
      const port = freePort();
      proc = spawnServer(port, env);
      await proc.waitReady(120_000);
      const visitor = new OutboxVisitor({
        wsUrl: proc.url.replace(/^http/, "ws"),
        maxBackoffMs: 500,
      });
      visitors.push(visitor);
      visitor.start();
      await visitor.welcomed();
      visitor.write("before the disk filled");
      await visitor.drained();

      await fill(live);
      await waitUntil(
        async () => (await readiness(proc!.url)).status === "disk full",
        "/readyz says disk full",
      );
      assert.equal((await readiness(proc.url)).code, 503);
      await proc.waitForLine((l) => l.includes("disk full"));
      // Writes go on into the pages already allocated, then fail, retryably: the outbox keeps
      // what was refused and tries again.
      let written = 0;
      while (visitor.errors.length === 0) {
        assert.ok(written < 5_000, "writes are refused once the disk has no room left");
        for (let i = 0; i < 20; i++) visitor.write(`while full ${written++} ${"x".repeat(1500)}`);
        await waitUntil(
          () => visitor.errors.length > 0 || visitor.outbox.length === 0,
          "the writes are acknowledged or refused",
        );
      }
      assert.ok(visitor.errors.every((e) => e.retryable === true), JSON.stringify(visitor.errors));
      figure("full disk: error while full", visitor.errors[0].message);

      await Deno.remove(join(live, "filler"));
      await waitUntil(async () => (await readiness(proc!.url)).code === 200, "ready again");
      await proc.waitForLine((l) => l.includes("disk space available again"));
      await visitor.drained();
      assert.equal(visitor.acks.length, written + 1, "every message stored once space was back");
      visitor.stop();

      // A restart on a full disk says why it cannot serve, by name, until space is freed.
      await fill(live);
      proc.kill("SIGKILL");
      await proc.status;
      proc = spawnServer(port, env);
      const restarted = proc;
      await waitUntil(
        async () => {
          if (restarted.lines.some((l) => l.includes("disk full") || l.includes("Disk full"))) {
            return true;
          }
          return await readiness(restarted.url).then((r) => r.status === "disk full", () => false);
        },
        "the restart names the full disk",
        { timeoutMs: 120_000 },
      );
      await restarted.waitForLine((l) => /disk full/i.test(l));
      figure("full disk: restart says", restarted.lines.find((l) => /disk full/i.test(l)));
      await Deno.remove(join(live, "filler"));
      await restarted.waitReady(120_000);
    } finally {
      for (const v of visitors) v.stop();
      await proc?.dispose();
      await mount?.unmount().catch(() => {});
      await Deno.remove(work, { recursive: true }).catch(() => {});
    }
  },
});
