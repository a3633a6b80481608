import { Injectable } from '@nestjs/common';
import { request } from 'node:http';
import { request as requestTls } from 'node:https';
import { AppConfig } from '@sentinel/server-core';

const PROBE_TIMEOUT_MS = 2_000;

export interface NewApiState {
  readonly status: 'up' | 'down';
  /** The New API address in use (DOWNSTREAM_URL's origin). */
  readonly url: string;
  /** HTTP status of `GET /api/status` when New API answered. */
  readonly httpStatus?: number;
  /** Why it is down (connection refused, timeout, 5xx). */
  readonly message?: string;
}

/**
 * Asks New API `GET /api/status` (its own cheap health check) whether it is there. Any HTTP answer
 * below 500 counts as reachable: one-api and older New API builds may not have the route, and a
 * 404 still proves the address is right. Used at start-up (a warning) and by readiness.
 */
@Injectable()
export class NewApiProbe {
  constructor(private readonly config: AppConfig) {}

  get url(): string {
    return this.config.downstreamUrl.origin;
  }

  probe(timeoutMs = PROBE_TIMEOUT_MS): Promise<NewApiState> {
    const target = new URL('/api/status', this.config.downstreamUrl);
    const url = this.url;
    return new Promise((resolve) => {
      let settled = false;
      const done = (state: NewApiState) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(state);
      };
      const send = target.protocol === 'https:' ? requestTls : request;
      const req = send(target, { method: 'GET', headers: { accept: 'application/json' }, agent: false }, (res) => {
        res.resume();
        const httpStatus = res.statusCode ?? 0;
        done(
          httpStatus < 500
            ? { status: 'up', url, httpStatus }
            : { status: 'down', url, httpStatus, message: `GET /api/status answered ${httpStatus}` },
        );
        req.destroy();
      });
      const timer = setTimeout(() => {
        done({ status: 'down', url, message: `GET /api/status did not answer within ${timeoutMs} ms` });
        req.destroy();
      }, timeoutMs);
      req.on('error', (e: NodeJS.ErrnoException) =>
        done({ status: 'down', url, message: e.code ? `${e.code}: ${e.message}` : e.message }),
      );
      req.end();
    });
  }
}
