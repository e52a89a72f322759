// The receiver kit's examples (core/js/examples/receiver-*.mjs, inside the built package) pass
// our own receiver check: each is started as a user would start it, on a free port with Basic
// auth from HOOK_USER/HOOK_PASSWORD, checked by the emulator binary's `check` (what
// `cargo xtask check-receiver` runs) in both payload versions, then stopped.
//
// The frameworks (Express 5, Fastify, Hono with @hono/node-server) are the workspace's pinned
// devDependencies (root package.json and package-lock.json, installed by `cargo xtask setup`):
// node's resolver walks up from target/npm/pipedrive-webhooks/examples to the repository's
// node_modules, so the examples import them as a user's project would, with no loader or link.
// The Next.js route handler is served by node:http calling its exported POST, as Next does
// (Next itself is not installed: see the package README).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { emulatorBinary } from "./emulator-process.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const pkgDir = path.resolve(here, "../../target/npm/pipedrive-webhooks");
const USER = "pipedrive";
const PASSWORD = "ex-s3cret";

/** Starts `node <args>` in the package; resolves to `{ url, stop, output }` once it prints its URL. */
function start(args, env = {}) {
  const child = spawn(process.execPath, args, {
    cwd: pkgDir,
    env: { ...process.env, HOOK_USER: USER, HOOK_PASSWORD: PASSWORD, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = { stdout: "", stderr: "" };
  child.stderr.on("data", (d) => (output.stderr += d));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) => reject(new Error(`${args.join(" ")} exited with ${code}: ${output.stderr}`)));
    child.stdout.on("data", (d) => {
      output.stdout += d;
      const m = /listening on (http:\/\/\S+)/.exec(output.stdout);
      if (m) resolve({ url: m[1], output, stop: () => child.kill() });
    });
  });
}

/** Runs the receiver check; resolves to its exit code, printed table and JSON report. */
function check(url) {
  const jsonFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pw-check-")), "report.json");
  return new Promise((resolve) => {
    execFile(emulatorBinary, ["check", url, "--user", USER, "--password", PASSWORD, "--json", jsonFile], { timeout: 120_000 }, (error, stdout, stderr) => {
      const code = error ? error.code : 0;
      let report = null;
      try {
        report = JSON.parse(fs.readFileSync(jsonFile, "utf8"));
      } catch {}
      fs.rmSync(path.dirname(jsonFile), { recursive: true, force: true });
      resolve({ code, stdout, stderr, report });
    });
  });
}

/** The check passes: exit 0, no failed check, both versions' payloads and the auth probes pass. */
async function assertPasses(rx) {
  const { code, stdout, stderr, report } = await check(rx.url);
  const why = `${stdout}\n${stderr}\n--- receiver stderr ---\n${rx.output.stderr}`;
  assert.equal(code, 0, why);
  assert.ok(report, why);
  assert.deepEqual(report.checks.filter((c) => c.status === "fail").map((c) => `${c.id}: ${c.detail}`), [], why);
  for (const id of ["payloads_v2", "payloads_v1", "retries", "basic_auth_missing", "basic_auth_wrong", "burst"]) {
    assert.equal(report.checks.find((c) => c.id === id)?.status, "pass", `${id}\n${why}`);
  }
  // No handler failed while the check ran.
  assert.doesNotMatch(rx.output.stderr, /failed|Error/, why);
}

test("the emulator binary is built (by the native suite: cargo build -p pipedrive-webhooks-emulator)", () => {
  assert.ok(fs.existsSync(emulatorBinary), emulatorBinary);
});

for (const name of ["node-http", "express", "fastify", "hono"]) {
  test(`examples/receiver-${name}.mjs passes the receiver check (both versions, Basic auth)`, { skip: !fs.existsSync(emulatorBinary) }, async () => {
    const rx = await start([path.join(pkgDir, `examples/receiver-${name}.mjs`), "--port", "0"]);
    try {
      await assertPasses(rx);
    } finally {
      rx.stop();
    }
  });
}

test("examples/receiver-next-route.mjs (a Next.js route handler's POST) passes the receiver check", { skip: !fs.existsSync(emulatorBinary) }, async () => {
  // node:http in front of the route module, as Next.js serves it: POST to the exported POST,
  // any other method 405 (Next answers so for a method the route does not export).
  const server = `
    import http from "node:http";
    const { nodeListener } = await import(process.env.RECEIVER_MODULE);
    const route = await import(process.env.ROUTE_MODULE);
    const next = (request) => request.method === "POST" ? route.POST(request) : Promise.resolve(new Response(null, { status: 405, headers: { allow: "POST" } }));
    const server = http.createServer(nodeListener(next)).listen(0, "127.0.0.1", () => {
      console.log("receiver listening on http://127.0.0.1:" + server.address().port + "/api/pipedrive");
    });
  `;
  const rx = await start(["--input-type=module", "-e", server], {
    RECEIVER_MODULE: pathToFileURL(path.join(pkgDir, "lib/receiver.mjs")).href,
    ROUTE_MODULE: pathToFileURL(path.join(pkgDir, "examples/receiver-next-route.mjs")).href,
  });
  try {
    await assertPasses(rx);
  } finally {
    rx.stop();
  }
});
