/** What the storage library logs through. Nest's Logger and `console` both satisfy it. */
export interface StorageLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const silentLogger: StorageLogger = {
  log: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
