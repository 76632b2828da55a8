// The one logger of the service. Levels and line prefixes follow the reference
// (cc-lib ccLogger): systemd priority prefixes so journald files each line
// under the right severity, and a timestamp only with -logdate because journald
// stamps lines itself. (ours) -logformat json writes one JSON object a line
// instead, for log shippers (Loki, Elasticsearch, ...) that parse rather than grep.

export type LogLevel = 'debug' | 'info' | 'warn' | 'err' | 'crit';

export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'err', 'crit'];

const PREFIX: Record<LogLevel, string> = {
  debug: '<7>[DEBUG]    ',
  info: '<6>[INFO]     ',
  warn: '<4>[WARNING]  ',
  err: '<3>[ERROR]    ',
  crit: '<2>[CRITICAL] ',
};

export type LogFormat = 'text' | 'json';

export const LOG_FORMATS: readonly LogFormat[] = ['text', 'json'];

/** What the JSON format calls each level: the words of the text prefixes, lower case. */
const JSON_LEVEL: Record<LogLevel, string> = {
  debug: 'debug',
  info: 'info',
  warn: 'warning',
  err: 'error',
  crit: 'critical',
};

/** Values that go with a message: members of the JSON object, `key=value` after a text line. */
export type LogFields = Record<string, string | number | boolean | null>;

export interface Logger {
  readonly level: LogLevel;
  /** True when messages of `level` are written; lets hot paths skip building a message. */
  enabled(level: LogLevel): boolean;
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  crit(message: string, fields?: LogFields): void;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Prefix every line with the local date and time (`2006/01/02 15:04:05`); text format only. */
  date?: boolean;
  /** `text` (default): the reference's lines; `json`: `{"time":..., "level":..., "message":..., ...fields}`. */
  format?: LogFormat;
  /** The clock of the JSON `time` member (tests). */
  now?: () => Date;
  /** Where a finished line goes (without its newline). */
  write?: (line: string) => void;
}

/** `fatal` is accepted as the reference does, as another name for `err`. */
export function parseLogLevel(name: string): LogLevel | null {
  if (name === 'fatal') return 'err';
  return (LOG_LEVELS as readonly string[]).includes(name) ? (name as LogLevel) : null;
}

/** null for anything but `text` and `json`. */
export function parseLogFormat(name: string): LogFormat | null {
  return (LOG_FORMATS as readonly string[]).includes(name) ? (name as LogFormat) : null;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'warn';
  const threshold = LOG_LEVELS.indexOf(level);
  const write = options.write ?? ((line: string) => console.error(line));
  const date = options.date ?? false;
  const now = options.now ?? (() => new Date());
  const format = options.format === 'json' ? jsonLine : textLine;

  const enabled = (l: LogLevel) => LOG_LEVELS.indexOf(l) >= threshold;
  const emit = (l: LogLevel, message: string, fields?: LogFields) => {
    if (!enabled(l)) return;
    write(format(l, message, fields, date, now));
  };

  return {
    level,
    enabled,
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('err', m, f),
    crit: (m, f) => emit('crit', m, f),
  };
}

function textLine(l: LogLevel, message: string, fields: LogFields | undefined, date: boolean): string {
  let line = PREFIX[l] + (date ? formatDate(new Date()) + ' ' : '') + message;
  for (const [key, value] of Object.entries(fields ?? {})) line += ` ${key}=${typeof value === 'string' ? JSON.stringify(value) : String(value)}`;
  return line;
}

/**
 * One object per line; JSON.stringify escapes newlines inside a message, so a
 * stack trace stays one record. Fields never replace time, level or message.
 */
function jsonLine(l: LogLevel, message: string, fields: LogFields | undefined, _date: boolean, now: () => Date): string {
  const record: Record<string, unknown> = { time: now().toISOString(), level: JSON_LEVEL[l], message };
  for (const [key, value] of Object.entries(fields ?? {})) if (!(key in record)) record[key] = value;
  return JSON.stringify(record);
}

/** A logger that drops everything, for tests and tools. */
export const silentLogger: Logger = createLogger({ level: 'crit', write: () => {} });

function formatDate(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}/${p(d.getMonth() + 1)}/${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
