/** `chunked` as the final transfer coding. */
const CHUNKED_LAST = /(?:^|,)[ \t]*chunked[ \t]*$/i;

/**
 * No Transfer-Encoding, or one whose last coding is `chunked` (repeated headers count as one
 * list). Reads rawHeaders, so the hot path does not build `req.headers` for it.
 */
export function bodyFramingOk(rawHeaders: readonly string[]): boolean {
  let last: string | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i];
    if (name.length === 17 && name.toLowerCase() === 'transfer-encoding') last = rawHeaders[i + 1];
  }
  return last === undefined || CHUNKED_LAST.test(last);
}
