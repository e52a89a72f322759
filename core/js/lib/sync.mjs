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

import { readBounded, TOO_LARGE } from "./bounded.mjs";

/** How long one API call may take, answer included, unless `options.timeoutMs` says otherwise. */
export const CALL_TIMEOUT_MS = 30_000;

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
  const timeoutMs = options.timeoutMs ?? CALL_TIMEOUT_MS;
  const network = (message) => Object.assign(new Error(message), { code: "NETWORK" });
  return async function call(kind, operation) {
    const req = pw.buildRequest(config, operation);
    const base = req.url.split("/webhooks")[0];
    const retry = new pw.RateLimitRetry();
    for (;;) {
      if (signal?.aborted) throw Object.assign(new Error("aborted"), { code: "ABORTED" });
      // The caller's signal and this call's time bound, in one (AbortSignal.any needs node 20).
      const ac = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => ((timedOut = true), ac.abort()), timeoutMs);
      const onAbort = () => ac.abort();
      signal?.addEventListener("abort", onAbort, { once: true });
      let res;
      let body;
      try {
        try {
          // Never follow a redirect: the token would go with it to another address.
          res = await fetchFn(req.url, { method: req.method, headers: req.headers, body: req.body ?? undefined, signal: ac.signal, redirect: "manual" });
        } catch (e) {
          if (signal?.aborted) throw Object.assign(new Error("aborted"), { code: "ABORTED" });
          if (timedOut) throw network(`${base} did not answer within ${timeoutMs / 1000} s`);
          // A header value fetch refuses: its message quotes the value, which may be the token.
          if (e instanceof TypeError && e.cause === undefined) throw Object.assign(new Error("a request header is not valid HTTP: does the token contain a line break or a control character?"), { code: "INVALID_INPUT" });
          // node's fetch says only "fetch failed": the reason is its cause (a code, or several attempts).
          const why = e?.cause?.code ?? e?.cause?.errors?.[0]?.code ?? e?.cause?.message ?? "fetch failed";
          throw network(`could not reach ${base}: ${why}`);
        }
        if (res.status >= 300 && res.status < 400) {
          res.body?.cancel().catch(() => {});
          const location = res.headers.get("location");
          throw network(`${base} answered ${res.status}, a redirect${location ? ` to ${location.slice(0, 200)}` : ""}: not followed (the token goes to the base URL only; use the address it names as --base-url if you trust it)`);
        }
        try {
          body = await readBounded(res);
        } catch (e) {
          if (signal?.aborted) throw Object.assign(new Error("aborted"), { code: "ABORTED" });
          if (e === TOO_LARGE) throw network(`the answer from ${base} is over 8 MB: cut`);
          if (timedOut) throw network(`${base} did not finish its answer within ${timeoutMs / 1000} s`);
          throw network(`the answer from ${base} was cut off: ${e?.cause?.code ?? e?.code ?? "connection lost"}`);
        }
      } finally {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      }
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
