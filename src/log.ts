// The one logger of the service. Levels and line prefixes follow the reference
// (cc-lib ccLogger): systemd priority prefixes so journald files each line
// under the right severity, and a timestamp only with -logdate because journald
// stamps lines itself.

export type LogLevel = 'debug' | 'info' | 'warn' | 'err' | 'crit';

export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'err', 'crit'];

const PREFIX: Record<LogLevel, string> = {
  debug: '<7>[DEBUG]    ',
  info: '<6>[INFO]     ',
  warn: '<4>[WARNING]  ',
  err: '<3>[ERROR]    ',
  crit: '<2>[CRITICAL] ',
};

export interface Logger {
  readonly level: LogLevel;
  /** True when messages of `level` are written; lets hot paths skip building a message. */
  enabled(level: LogLevel): boolean;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  crit(message: string): void;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Prefix every line with the local date and time (`2006/01/02 15:04:05`). */
  date?: boolean;
  /** Where a finished line goes (without its newline). */
  write?: (line: string) => void;
}

/** `fatal` is accepted as the reference does, as another name for `err`. */
export function parseLogLevel(name: string): LogLevel | null {
  if (name === 'fatal') return 'err';
  return (LOG_LEVELS as readonly string[]).includes(name) ? (name as LogLevel) : null;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'warn';
  const threshold = LOG_LEVELS.indexOf(level);
  const write = options.write ?? ((line: string) => console.error(line));
  const date = options.date ?? false;

  const enabled = (l: LogLevel) => LOG_LEVELS.indexOf(l) >= threshold;
  const emit = (l: LogLevel, message: string) => {
    if (!enabled(l)) return;
    write(PREFIX[l] + (date ? formatDate(new Date()) + ' ' : '') + message);
  };

  return {
    level,
    enabled,
    debug: (m) => emit('debug', m),
    info: (m) => emit('info', m),
    warn: (m) => emit('warn', m),
    error: (m) => emit('err', m),
    crit: (m) => emit('crit', m),
  };
}

/** A logger that drops everything, for tests and tools. */
export const silentLogger: Logger = createLogger({ level: 'crit', write: () => {} });

function formatDate(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}/${p(d.getMonth() + 1)}/${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
