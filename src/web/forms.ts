/**
 * Reading what a request sends: a cap on the body's size, whole numbers from paths and queries, form fields.
 * Anything malformed is answered the way a visitor expects: an id that cannot exist is 404 like any other
 * missing page, a page number that makes no sense is the first page, a body over its cap is 413.
 */
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';

/** Refuses (413, the error page) a request body over `maxBytes`, before a route reads it. */
export function limitBody(maxBytes: number): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new HTTPException(413);
    },
  });
}

/** "0" to "999999999", plainly written; anything else (signs, spaces, decimals, longer numbers) is undefined. */
export function wholeNumber(text: string | null | undefined): number | undefined {
  return text && /^\d{1,9}$/.test(text) ? Number(text) : undefined;
}

/** A database id from a path or a query: a whole number of at least 1, or 404. */
export function idParam(text: string | null | undefined): number {
  const id = wholeNumber(text);
  if (id === undefined || id < 1) throw new HTTPException(404);
  return id;
}

/** A list's page number (`?page=`): 1 to 999999, the first page for anything else. */
export function pageNumber(text: string | null | undefined): number {
  return text && /^\d{1,6}$/.test(text) && Number(text) >= 1 ? Number(text) : 1;
}

/** The text fields of a parsed form body (uploaded files left out). */
export function textFields(body: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(body).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}
