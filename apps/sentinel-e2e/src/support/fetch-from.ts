import { request } from 'node:http';
import { Readable } from 'node:stream';

/**
 * A `fetch` whose connections originate from `localAddress` (127.0.0.2, …), so a real SDK can be
 * pointed at Sentinel from distinct client IPs.
 */
export function fetchFrom(localAddress: string): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const req = input instanceof Request ? input : new Request(input, init);
    const body = req.body ? Buffer.from(await req.arrayBuffer()) : undefined;
    const headers: Record<string, string> = {};
    req.headers.forEach((v, k) => (headers[k] = v));
    return new Promise<Response>((resolve, reject) => {
      const r = request(req.url, { method: req.method, headers, localAddress, agent: false }, (res) => {
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) {
          if (Array.isArray(v)) v.forEach((x) => h.append(k, x));
          else if (v !== undefined) h.set(k, v);
        }
        const stream = Readable.toWeb(res) as unknown as ReadableStream<Uint8Array>;
        resolve(new Response(stream, { status: res.statusCode ?? 0, headers: h }));
      });
      r.on('error', reject);
      init?.signal?.addEventListener('abort', () => r.destroy(new Error('aborted')));
      if (body) r.write(body);
      r.end();
    });
  }) as typeof fetch;
}
