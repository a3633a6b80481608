import { request, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';

export interface HttpResult {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A plain HTTP call from a chosen loopback address (127.0.0.2, 127.0.0.3, …): real client IPs. */
export function http(
  url: string,
  options: {
    method?: string;
    headers?: OutgoingHttpHeaders;
    body?: string | Buffer;
    from?: string;
    rawHeaders?: [string, string][];
  } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    // A raw list is sent as given, so Node adds no Host: without one, Node's server answers 400
    // itself (HTTP/1.1 requires Host) and the request never reaches Sentinel's own checks.
    const raw = options.rawHeaders;
    const headers: OutgoingHttpHeaders | [string, string][] = raw
      ? raw.some(([name]) => name.toLowerCase() === 'host')
        ? raw
        : [['Host', new URL(url).host], ...raw]
      : { ...(options.headers ?? {}) };
    const req = request(
      url,
      {
        method: options.method ?? 'GET',
        headers: headers as OutgoingHttpHeaders,
        localAddress: options.from ?? '127.0.0.1',
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}
