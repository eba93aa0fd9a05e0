/**
 * POSTing a DER request to a PKI service (a time-stamp authority, an OCSP responder) and reading its DER answer
 * within a time and size limit. node:http rather than fetch: fetch's web streams cost several times the CPU of
 * making and checking the answer itself, and these calls are made for every sealed document.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { describeError } from './timestamp-error.js';

/**
 * Why an exchange failed: `unreachable` (no answer, a refused connection, a timeout, a body that broke off),
 * `status` (an HTTP status other than 2xx), `too-large` (more than the limit).
 */
export type HttpPostFailure = 'unreachable' | 'status' | 'too-large';

export class HttpPostError extends Error {
  override readonly name = 'HttpPostError';
  constructor(
    readonly failure: HttpPostFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface HttpPostOptions {
  contentType: string;
  accept: string;
  timeoutMs: number;
  maxResponseBytes: number;
  /** Who is asked, for messages: "time-stamp authority", "OCSP responder". */
  service: string;
}

/** POSTs `body` to `url` and returns the answer's body, all within `options.timeoutMs`. */
export async function postDer(url: string, body: Uint8Array, options: HttpPostOptions): Promise<Uint8Array> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new Error(`no answer within ${options.timeoutMs} ms`)), options.timeoutMs);
  try {
    const response = await openResponse(url, body, options, abort.signal);
    return await readLimited(response, options.maxResponseBytes, url, abort.signal);
  } finally {
    clearTimeout(timer);
  }
}

/** The answer once its headers are in; it must be a success (2xx). */
async function openResponse(url: string, body: Uint8Array, options: HttpPostOptions, signal: AbortSignal): Promise<IncomingMessage> {
  let response: IncomingMessage;
  try {
    response = await sendPost(new URL(url), body, options, signal);
  } catch (error) {
    throw new HttpPostError('unreachable', `${options.service} ${url} did not answer: ${describeError(error)}`, { cause: error });
  }
  const status = response.statusCode ?? 0;
  if (status < 200 || status > 299) {
    response.destroy();
    throw new HttpPostError('status', `${options.service} ${url} answered HTTP ${status}`);
  }
  return response;
}

function sendPost(url: URL, body: Uint8Array, options: HttpPostOptions, signal: AbortSignal): Promise<IncomingMessage> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`${url.protocol} is not HTTP`);
  const headers = { 'Content-Type': options.contentType, Accept: options.accept, 'Content-Length': body.byteLength };
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(url, { method: 'POST', headers, signal }, resolve);
    request.on('error', reject);
    request.end(body);
  });
}

/** The body of the answer; more than `limit` bytes, or a body that breaks off, is refused. */
async function readLimited(response: IncomingMessage, limit: number, url: string, signal: AbortSignal): Promise<Uint8Array> {
  const declared = Number(response.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    response.destroy();
    throw new HttpPostError('too-large', `the answer of ${url} is too large (${declared} bytes)`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of response as AsyncIterable<Buffer>) {
      total += chunk.byteLength;
      if (total > limit) {
        response.destroy();
        throw new HttpPostError('too-large', `the answer of ${url} is larger than ${limit} bytes`);
      }
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof HttpPostError) throw error;
    const why = describeError(signal.aborted ? signal.reason : error);
    throw new HttpPostError('unreachable', `the answer of ${url} broke off: ${why}`, { cause: error });
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}
