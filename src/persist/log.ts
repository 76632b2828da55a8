// The logger the persistence layer writes to; the service passes its own.

export interface PersistLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Writes to the console with a [PERSIST] prefix; used when the service passes none. */
export const consoleLogger: PersistLogger = {
  debug: () => {},
  info: (m) => console.info(`[PERSIST] ${m}`),
  warn: (m) => console.warn(`[PERSIST] ${m}`),
  error: (m) => console.error(`[PERSIST] ${m}`),
};

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
