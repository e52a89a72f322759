// Reading a body from a network that may be hostile: never more than a bound, counted after
// decompression as it streams (a 1 MB gzip bomb must not take gigabytes). Shared by the companion,
// the API calls of syncWebhooks and the CLI, and the receiver kit. Web streams and Uint8Array
// only: the receiver kit runs outside node too (Workers, Deno, Bun).

/** Thrown by `readBounded` past its bound. */
export const TOO_LARGE = Symbol("too large");

/** Answers are cut past this many bytes (decompressed): 8 MB, far above any webhooks list. */
export const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

/** A `Response`'s or `Request`'s body as read (decompressed), counted as it streams: throws `TOO_LARGE` past `max` bytes. */
export async function readBounded(answer, max = MAX_ANSWER_BYTES) {
  if (!answer.body) return new Uint8Array(0);
  const reader = answer.body.getReader();
  const chunks = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      reader.cancel().catch(() => {});
      throw TOO_LARGE;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
