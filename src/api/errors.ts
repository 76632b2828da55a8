// Every error answer has the reference's shape: {"status": "<HTTP status
// text>", "error": "<message>"}, written like Go's json.Encoder (one line and a
// newline), also for 401, 404, 405 and 413.

/** Go's http.StatusText for the statuses this service answers with. */
const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Request Entity Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
  507: 'Insufficient Storage',
};

export function statusText(status: number): string {
  return STATUS_TEXT[status] ?? `Status ${status}`;
}

/** An error that becomes an HTTP answer with this status and message. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export function badRequest(message: string): HttpError {
  return new HttpError(400, message);
}

/** The JSON error body; `extra` members follow status and error (the counts of a partial write). */
export function errorBody(status: number, message: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ status: statusText(status), error: message, ...extra }) + '\n';
}

export function errorResponse(status: number, message: string, headers: Record<string, string> = {}, extra: Record<string, unknown> = {}): Response {
  return new Response(errorBody(status, message, extra), { status, headers: { 'content-type': 'application/json', ...headers } });
}

/** What a route's failure becomes: an HttpError its own answer (logged as a warning), anything else a 500 (logged as an error). */
export function failureOf(err: unknown, log: { warn(m: string): void; error(m: string): void }): HttpError {
  if (err instanceof HttpError) {
    log.warn(`REST ERROR : ${err.message}`);
    return err;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  log.error(`REST ERROR : ${e.stack ?? e.message}`);
  return new HttpError(500, e.message);
}
