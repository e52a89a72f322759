// syncWebhooks: brings an installation's webhooks to a desired set. This file is the package's
// edge: it moves bytes with fetch. Every decision comes from the core through the wasm exports:
// the plan (`planSync`), how to read each answer (`buildRequest`, `decodeResponse`) and what to
// do after a 429 (`RateLimitRetry`, the core's one wait-and-retry machine, which the panel drives
// too: wait exactly as long as the API asked, or stop).

/** Thrown by a call when a 429 says to stop (a daily budget, or the wait budget spent). */
export class Stop extends Error {
  constructor(error, decision) {
    super(error.message);
    this.error = error;
    this.decision = decision;
  }
}

function invalid(message) {
  const e = new Error(message);
  e.code = "INVALID_INPUT";
  return e;
}

const defaultSleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(t);
      reject(signal.reason ?? new Error("aborted"));
    }, { once: true });
  });

/**
 * One API call with its 429s handled as the core decides (`RateLimitRetry`), for `syncWebhooks`
 * and the CLI alike. Other errors are thrown as they are (never retried: a 4xx will not change,
 * and a create that got a 5xx may have been made); a 429 the core says to stop at is thrown as a
 * `Stop` (its `error` and `decision`).
 */
export function createCall(pw, config, options = {}) {
  const fetchFn = options.fetch ?? globalThis.fetch;
  if (typeof fetchFn !== "function") throw invalid("no fetch: pass options.fetch (node ≥ 18 and browsers have a global one)");
  const now = options.now ?? (() => Date.now());
  const sleep = options.sleep ?? ((ms) => defaultSleep(ms, options.signal));
  const progress = (step) => options.onProgress?.(step);
  const signal = options.signal;
  return async function call(kind, operation) {
    const req = pw.buildRequest(config, operation);
    const retry = new pw.RateLimitRetry();
    for (;;) {
      if (signal?.aborted) throw Object.assign(new Error("aborted"), { code: "ABORTED" });
      let res;
      try {
        res = await fetchFn(req.url, { method: req.method, headers: req.headers, body: req.body ?? undefined, signal });
      } catch (e) {
        if (signal?.aborted) throw Object.assign(new Error("aborted"), { code: "ABORTED" });
        const base = req.url.split("/webhooks")[0];
        // node's fetch says only "fetch failed": the reason is its cause (a code, or several attempts).
        const why = e?.cause?.code ?? e?.cause?.errors?.[0]?.code ?? e?.cause?.message ?? e?.message ?? e;
        throw Object.assign(new Error(`could not reach ${base}: ${why}`), { code: "NETWORK" });
      }
      const body = await res.text();
      try {
        return pw.decodeResponse(kind, { status: res.status, headers: res.headers, body }, now());
      } catch (e) {
        if (e.code !== "RATE_LIMITED") throw e;
        const decision = retry.after429(e, now());
        if (decision.kind !== "retry") throw new Stop(e, decision);
        progress({ phase: "wait", waitMs: decision.waitMs, retry: retry.retries, of: retry.maxRetries });
        await sleep(decision.waitMs);
      }
    }
  };
}

/** `syncWebhooks` bound to one build of the package (`pw`: its wasm exports). */
export function createSync(pw) {
  return async function syncWebhooks(config, desired, options = {}) {
    const call = createCall(pw, config, options);
    if (!Array.isArray(desired)) throw invalid("desired must be an array of webhooks");
    const progress = (step) => options.onProgress?.(step);
    // A set that alone passes the limit (R2) is refused before any call.
    pw.planSync([], desired, options.policy, { prune: true });
    const report = { dryRun: !!options.dryRun, complete: false, plan: null, kept: [], created: [], deleted: [], skipped: [], failed: [], writes: 0, notBefore: null };

    const failure = (action, step, e) => ({
      action,
      id: step?.id ?? null,
      subscription: step?.subscription ?? null,
      code: e.code ?? "INTERNAL",
      status: typeof e.status === "number" ? e.status : null,
      message: e.message,
    });

    progress({ phase: "list" });
    let current;
    try {
      current = await call("list", { kind: "list" });
    } catch (e) {
      const err = e instanceof Stop ? e.error : e;
      if (e instanceof Stop) report.notBefore = e.decision.notBefore;
      report.failed.push(failure("list", null, err));
      progress({ phase: "done", ok: false, error: err.message });
      return report;
    }
    // The plan refuses (throws INVALID_FIELD or LIMIT_REACHED) before anything is written.
    const plan = pw.planSync(current, desired, options.policy, { prune: !!options.prune });
    report.plan = plan;
    progress({ phase: "plan" });
    const writes = plan.steps.filter((s) => s.action === "create" || s.action === "delete");
    for (const s of plan.steps) {
      if (s.action === "keep") report.kept.push(s.id);
      if (s.action === "surplus") report.skipped.push({ id: s.id, subscription: s.subscription, reason: s.reason });
    }
    if (options.dryRun) {
      report.complete = true;
      progress({ phase: "done", ok: true });
      return report;
    }
    let creates = 0;
    for (let i = 0; i < writes.length; i++) {
      const s = writes[i];
      const index = i + 1;
      progress({ phase: s.action, index, total: writes.length, id: s.id ?? undefined, subscription: s.subscription });
      try {
        if (s.action === "delete") {
          report.writes += 1;
          try {
            await call("delete", { kind: "delete", id: s.id });
          } catch (e) {
            // Already gone (deleted meanwhile, R13, an uninstall): what the plan wanted.
            if (e.code !== "NOT_FOUND") throw e;
          }
          report.deleted.push(s.id);
        } else {
          const webhook = plan.create[creates++];
          report.writes += 1;
          const made = await call("create", { kind: "create", webhook });
          report.created.push({ id: made.id ?? null, subscription: s.subscription, desiredIndex: s.desiredIndex });
        }
        progress({ phase: s.action, index, total: writes.length, id: s.id ?? undefined, subscription: s.subscription, ok: true });
      } catch (e) {
        if (e instanceof Stop || e.code === "ABORTED") {
          // Stop here: the report says what was done and what was not reached.
          if (e instanceof Stop) {
            report.notBefore = e.decision.notBefore;
            report.failed.push(failure(s.action, s, e.error));
          } else {
            report.failed.push(failure(s.action, s, e));
          }
          const why = e instanceof Stop ? `not reached: ${e.error.message}` : "not reached: aborted";
          for (const rest of writes.slice(i + 1)) report.skipped.push({ id: rest.id, subscription: rest.subscription, reason: why });
          progress({ phase: "done", ok: false, error: e.message });
          return report;
        }
        report.failed.push(failure(s.action, s, e));
        progress({ phase: s.action, index, total: writes.length, id: s.id ?? undefined, subscription: s.subscription, ok: false, error: e.message });
      }
    }
    // Reached the end: every step was tried (some may have failed: see `failed`).
    report.complete = true;
    progress({ phase: "done", ok: report.failed.length === 0 });
    return report;
  };
}
