import type { MiddlewareHandler } from 'hono';
import type { Authenticator } from '../auth/jwt.ts';
import { errorResponse } from './errors.ts';

/** 401 with the JSON error body unless the Authorization header carries a valid token. */
export function requireAuth(auth: Authenticator): MiddlewareHandler {
  return async (c, next) => {
    const failure = await auth.check(c.req.header('authorization'));
    if (failure !== null) return errorResponse(401, failure, { 'www-authenticate': 'Bearer' });
    await next();
  };
}
