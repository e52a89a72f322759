// Reading an answer from a network that may be hostile: never more than a bound, counted after
// decompression as it streams (a 1 MB gzip bomb must not take gigabytes). Shared by the companion
// and the API calls of syncWebhooks and the CLI.

/** Thrown by `readBounded` past its bound. */
export const TOO_LARGE = Symbol("too large");

/** Answers are cut past this many bytes (decompressed): 8 MB, far above any webhooks list. */
export const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

/** An answer's body as read (decompressed), counted as it streams: throws `TOO_LARGE` past `max` bytes. */
export async function readBounded(answer, max = MAX_ANSWER_BYTES) {
  if (!answer.body) return Buffer.alloc(0);
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
  return Buffer.concat(chunks);
}
