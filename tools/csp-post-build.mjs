// Trunk post_build hook (Trunk.toml): writes the sha256 of every inline <script> Trunk emitted
// (the module script that imports the hashed JS and starts the wasm; under `trunk serve` also
// its autoreload script) into the Content-Security-Policy meta tag of the built index.html.
// Why a hook: the inline script names the hashed JS file, so its hash changes with every build.
// Runs for `trunk build --release` (cargo xtask test) and `trunk serve` (cargo xtask serve) alike.
import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";

const dir = process.env.TRUNK_STAGING_DIR;
if (!dir) {
  console.error("csp-post-build: TRUNK_STAGING_DIR is not set (run me as Trunk's post_build hook)");
  process.exit(1);
}
const file = path.join(dir, "index.html");
const html = fs.readFileSync(file, "utf8");

const hashes = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi)]
  .filter(([, attrs]) => !/\bsrc\s*=/i.test(attrs))
  .map(([, , body]) => `'sha256-${crypto.createHash("sha256").update(body, "utf8").digest("base64")}'`);

const meta = /(<meta\s+http-equiv="Content-Security-Policy"\s+content=")([^"]*)(")/i;
if (!meta.test(html)) {
  console.error(`csp-post-build: no Content-Security-Policy meta tag in ${file}`);
  process.exit(1);
}
let found = false;
const out = html.replace(meta, (_, open, policy, close) => {
  const directives = policy.split(";").map((d) => {
    const [name, ...sources] = d.trim().split(/\s+/);
    if (name !== "script-src") return d.trim();
    found = true;
    // Hashes from an earlier run (a rebuild under `trunk serve`) are replaced, not kept.
    return [name, ...sources.filter((s) => !s.startsWith("'sha256-")), ...new Set(hashes)].join(" ");
  });
  return open + directives.filter(Boolean).join("; ") + close;
});
if (!found) {
  console.error("csp-post-build: the policy has no script-src directive");
  process.exit(1);
}
fs.writeFileSync(file, out);
console.log(`csp-post-build: ${hashes.length} inline script(s) allowed by hash in ${file}`);
