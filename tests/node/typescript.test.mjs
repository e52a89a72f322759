// The package as a strict TypeScript consumer sees it: every example of the package README,
// compiled with `tsc --strict` (module nodenext) against the built `.d.ts`, and the declarations'
// own shape (optional parameters optional, no snake_case parameter names). TypeScript is the
// workspace's pinned devDependency (package-lock.json).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const pkgDir = path.join(root, "target/npm/pipedrive-webhooks");
const tsc = path.join(root, "node_modules/typescript/bin/tsc");

/** What the README's snippets use without defining it: a receiver's request, the user's data, a Redis client and a pg pool. */
const PRELUDE = `
declare const process: { env: Record<string, string | undefined> };
declare const req: { headers: { authorization?: string } };
declare const res: { writeHead(status: number): { end(): void } };
declare const rawBody: string;
declare const seen: Set<string>;
declare function ok(): void;
declare const subscription_url: string;
declare const accessToken: string;
declare const desired: import("pipedrive-webhooks").DesiredWebhook[];
declare const redis: { exists(key: string): Promise<number>; set(key: string, value: string, options: { PX: number }): Promise<unknown> };
declare const pool: { query(text: string, values: unknown[]): Promise<{ rowCount: number | null }> };
`;

/** The README's fenced js/ts blocks, each as its own module: imports on top, the rest in a function. */
function readmeExamples() {
  const readme = fs.readFileSync(path.join(pkgDir, "README.md"), "utf8");
  const blocks = [...readme.matchAll(/```(?:js|ts|javascript|typescript)\n([\s\S]*?)```/g)].map((m) => m[1]);
  return blocks.map((code) => {
    const lines = code.split("\n");
    const imports = lines.filter((l) => /^import\s/.test(l));
    const body = lines.filter((l) => !/^import\s/.test(l));
    return `${imports.join("\n")}\n${PRELUDE}\nexport async function example(): Promise<unknown> {\n${body.join("\n")}\n  return undefined;\n}\n`;
  });
}

test("the README's examples compile as a strict TypeScript consumer (tsc --strict, nodenext)", () => {
  assert.ok(fs.existsSync(tsc), "typescript is installed by cargo xtask setup (npm ci)");
  const examples = readmeExamples();
  assert.ok(examples.length >= 5, `${examples.length} examples found in the README`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pw-ts-"));
  try {
    fs.mkdirSync(path.join(dir, "node_modules"));
    fs.symlinkSync(pkgDir, path.join(dir, "node_modules/pipedrive-webhooks"), "dir");
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
    const files = examples.map((code, i) => {
      const f = `example${i}.mts`;
      fs.writeFileSync(path.join(dir, f), code);
      return f;
    });
    // A strict consumer's own code on top: overloads and optional parameters in use.
    fs.writeFileSync(path.join(dir, "consumer.mts"), `
import { decodeResponse, validateWebhook, planSync, decodeDelivery, Account, events, exampleDelivery, type CatalogEntry, type DecodedWebhook, type PipedriveWebhooksError } from "pipedrive-webhooks";
const list: DecodedWebhook[] = decodeResponse("list", { status: 200, body: "{}" });
const created: DecodedWebhook = decodeResponse("create", { status: 201, body: "{}" });
const deleted: true = decodeResponse("delete", { status: 200, body: "{}" });
const failing: boolean = list.some((w) => w.health === "failing" || w.last_http_status_text !== null);
const valid = validateWebhook({ subscription_url: "https://x.example/h", event_action: "change", event_object: "deal", name: "d", version: "2.0" });
const plan = planSync(list, [], { maxAppWebhooksPerUser: 40 });
const stageChanged: boolean = decodeDelivery("{}").changedFields.includes("stage_id");
const acct = new Account(1);
try { decodeResponse("list", { status: 429, body: "" }); } catch (e) { const err = e as PipedriveWebhooksError; const daily: boolean = err.scope === "daily"; void daily; }
const v1Events: CatalogEntry[] = events("1.0");
const counterpart: string | null = events()[0].counterpart;
const body: string = exampleDelivery("change.deal", "2.0", { attempt: 2 });
const plain: string = exampleDelivery(v1Events[0].event, v1Events[0].version);
try { exampleDelivery("chnage.deal", "2.0"); } catch (e) { const err = e as PipedriveWebhooksError; if (err.code === "UNKNOWN_EVENT") { const n: string | undefined = err.nearest; void n; } }
export { created, deleted, failing, valid, plan, stageChanged, acct, counterpart, body, plain };
`);
    files.push("consumer.mts");
    fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({
      compilerOptions: { strict: true, module: "nodenext", moduleResolution: "nodenext", target: "es2022", lib: ["es2022", "dom", "dom.iterable"], noEmit: true, skipLibCheck: false, types: [] },
      files,
    }));
    let out = "";
    try {
      execFileSync(process.execPath, [tsc, "-p", dir], { encoding: "utf8", stdio: "pipe" });
    } catch (e) {
      out = `${e.stdout}${e.stderr}`;
    }
    assert.equal(out, "", `tsc --strict failed:\n${out}\n--- examples ---\n${examples.join("\n---\n")}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("the declarations name parameters in camelCase and make optional ones optional", () => {
  const dts = fs.readFileSync(path.join(pkgDir, "node/pipedrive_webhooks.d.ts"), "utf8");
  const params = [...dts.matchAll(/(?:function\s+\w+|\b\w+)\s*\(([^()]*)\)\s*:/g)].flatMap((m) =>
    m[1].split(",").map((p) => p.trim().split(/[?:]/)[0].trim()).filter(Boolean));
  assert.ok(params.length > 30, `${params.length} parameters found`);
  assert.deepEqual(params.filter((p) => p.includes("_")), [], "snake_case parameter names");
  assert.match(dts, /validateWebhook\(input: NewWebhook, policy\?: Partial<Policy>\)/);
  assert.match(dts, /planSync\(current: PipedriveWebhook\[\], desired: DesiredWebhook\[\], policy\?: Partial<Policy>, options\?: \{ prune\?: boolean \}\)/);
  assert.match(dts, /decodeResponse\(kind: "list", response: HttpResponseInput, now\?: number \| null\): DecodedWebhook\[\]/);
});
