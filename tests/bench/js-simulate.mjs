// `cargo xtask bench`: the native simulator's workload (target/bench/workload.json) run through the
// built npm package in node; prints events/s beside the native figure of the same run.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const require = createRequire(import.meta.url);
const { simulateSummary } = require(path.join(root, "target/npm/pipedrive-webhooks"));
const scenario = JSON.parse(fs.readFileSync(path.join(root, "target/bench/workload.json"), "utf8"));
const native = JSON.parse(fs.readFileSync(path.join(root, "target/bench/native.json"), "utf8"));

simulateSummary(scenario); // warm-up
let best = Infinity;
let summary;
for (let i = 0; i < 3; i++) {
  const t = process.hrtime.bigint();
  summary = simulateSummary(scenario);
  best = Math.min(best, Number(process.hrtime.bigint() - t) / 1e9);
}
if (summary.events !== native.events) throw new Error(`event counts differ: ${summary.events} vs ${native.events}`);
const rate = summary.events / best;
console.log(`simulator (JS package in node ${process.version}): ${summary.events} events, best of 3: ${best.toFixed(3)} s → ${(rate / 1e6).toFixed(1)} million events/s`);
console.log(`  ratio to native in this run: ${(rate / native.eventsPerSecond).toFixed(2)} (target ≥ 0.5)`);
