/**
 * Agency-only sub-apps of the staff pages: for a school user they do not exist (404, the same as any unknown
 * address), for GET and POST alike. Mounted inside routes/staff.ts, which has already let only staff through.
 */
import type { MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { AppEnv } from '../context.js';
import { staffScope } from '../staff.js';

export function agencyOnly(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (staffScope(c).kind !== 'agency') throw new HTTPException(404);
    await next();
  };
}
