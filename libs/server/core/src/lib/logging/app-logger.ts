import type { LoggerService } from '@nestjs/common';
import type { LogLevel } from '../config/env.schema';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * Nest's own start-up chatter (one line per module and per route, ~60 lines) goes to `debug`, so
 * the start-up summary and the generated password stay on screen. Warnings and errors are kept.
 */
const NEST_STARTUP_CONTEXTS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
]);

export type LogFields = Record<string, unknown>;

/**
 * Structured JSON logs, one object per line on stdout. Callers pass identifiers (request id,
 * token id, mask) — never a raw key; nothing here can know what a key looks like, so the rule is
 * kept at the call sites and checked by tests that grep the output.
 */
export class AppLogger implements LoggerService {
  private readonly threshold: number;

  constructor(
    level: LogLevel = 'info',
    private readonly write: (line: string) => void = (line) => process.stdout.write(line),
  ) {
    this.threshold = ORDER[level];
  }

  debug(message: unknown, ...rest: unknown[]): void {
    this.emit('debug', message, rest);
  }
  info(message: unknown, ...rest: unknown[]): void {
    this.emit('info', message, rest);
  }
  /** Nest's `log` level; its start-up chatter is demoted to `debug`. */
  log(message: unknown, ...rest: unknown[]): void {
    const context = rest[rest.length - 1];
    this.emit(typeof context === 'string' && NEST_STARTUP_CONTEXTS.has(context) ? 'debug' : 'info', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.emit('warn', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.emit('error', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.emit('debug', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.emit('error', message, rest);
  }

  isEnabled(level: LogLevel): boolean {
    return ORDER[level] >= this.threshold;
  }

  private emit(level: LogLevel, message: unknown, rest: unknown[]): void {
    if (ORDER[level] < this.threshold) return;
    const record: LogFields = { time: new Date().toISOString(), level };
    // Nest calls (message, context) or (message, stack, context); we also accept (message, fields).
    for (const item of rest) {
      if (typeof item === 'string') {
        if (item.includes('\n') || item.startsWith('Error')) record['stack'] = item;
        else record['context'] = item;
      } else if (item instanceof Error) {
        record['err'] = { name: item.name, message: item.message };
      } else if (item && typeof item === 'object') {
        Object.assign(record, item);
      }
    }
    if (message instanceof Error) {
      record['msg'] = message.message;
      record['err'] = { name: message.name, stack: message.stack };
    } else {
      record['msg'] = typeof message === 'string' ? message : JSON.stringify(message);
    }
    this.write(JSON.stringify(record) + '\n');
  }
}
