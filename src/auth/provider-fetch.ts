/**
 * The HTTP client of the sign-in's calls to the providers (discovery, the token request, UserInfo), given to
 * openid-client as its `customFetch`. Every student's sign-in makes one or two of these calls, and the global
 * fetch (undici, with its web streams, request objects and header guards) cost several times what the exchange
 * itself does: this is node:http with one keep-alive agent per protocol, so the connection to a provider stays open
 * between sign-ins, and the answer is read into memory within a size limit and handed over as a Response.
 *
 * It behaves as fetch does for these calls: redirects are returned, not followed (openid-client always asks for
 * `redirect: 'manual'`); a failure to connect or a broken answer rejects with `TypeError('fetch failed')` and the
 * reason as its cause; a caller's signal that aborts rejects with the signal's reason. Without a signal a call is
 * held to `timeoutMs`.
 */
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface ProviderFetchOptions {
  /** The longest a call may take when the caller passes no signal of its own (ms, default 10 000). */
  timeoutMs?: number;
  /** The largest answer accepted, in bytes (default 1 MiB: discovery documents and tokens are a few kB). */
  maxResponseBytes?: number;
  /** Connections open at once to one provider (default 64); further calls wait for a free one. */
  maxSockets?: number;
  /**
   * How long an idle connection is kept (ms, default 4000): shorter than the usual server keep-alive of 5 s, so
   * the portal closes it before the provider does. A provider that announces a shorter `Keep-Alive: timeout` is
   * believed.
   */
  idleMs?: number;
}

/** What openid-client passes: the fetch arguments it uses. */
export interface ProviderRequest {
  method: string;
  headers: Record<string, string>;
  body?: unknown;
  signal?: AbortSignal | null;
  redirect?: string;
}

export type ProviderFetch = ((url: string, init: ProviderRequest) => Promise<Response>) & {
  /** Closes the kept connections (tests; the process does not wait for them anyway). */
  close(): void;
};

/** Statuses whose answer has no body, which a Response must be made without. */
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

/**
 * A kept connection the provider closed just as it was reused, before any answer: the request is sent again on
 * another connection (at most this many times in all). In that race the provider has not read it; if it had, a
 * token request sent again meets a code already used and fails, as the first would have.
 */
const STALE_CONNECTION_CODES = new Set(['ECONNRESET', 'EPIPE']);
const ATTEMPTS = 3;

export function createProviderFetch(options: ProviderFetchOptions = {}): ProviderFetch {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxResponseBytes = options.maxResponseBytes ?? 1024 * 1024;
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 64, timeout: options.idleMs ?? 4000, scheduling: 'lifo' as const };
  const http = new HttpAgent(agentOptions);
  const https = new HttpsAgent(agentOptions);

  const providerFetch = async (url: string, init: ProviderRequest): Promise<Response> => {
    const target = new URL(url);
    if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new TypeError(`fetch failed: ${target.protocol} is not HTTP`);
    if (init.redirect !== undefined && init.redirect !== 'manual') throw new TypeError(`only redirect: 'manual' is supported, not ${init.redirect}`);
    const { body, headers } = requestBody(init);
    const signal = init.signal ?? undefined;
    if (signal?.aborted) throw signal.reason;
    const exchange = {
      target,
      method: init.method.toUpperCase(),
      headers,
      body,
      signal,
      timeoutMs,
      maxResponseBytes,
      agent: target.protocol === 'https:' ? https : http,
    };
    for (let attempt = 1; ; attempt++) {
      try {
        return await send(exchange);
      } catch (error) {
        if (!(error instanceof StaleConnection)) throw error;
        if (attempt === ATTEMPTS) throw new TypeError('fetch failed', { cause: error.cause });
      }
    }
  };
  return Object.assign(providerFetch, {
    close() {
      http.destroy();
      https.destroy();
    },
  });
}

/** The request body as bytes, with the headers fetch would add for it. */
function requestBody(init: ProviderRequest): { body: Buffer | undefined; headers: Record<string, string> } {
  const headers = { ...init.headers };
  let body: Buffer | undefined;
  const given = init.body;
  if (given === undefined || given === null) body = undefined;
  else if (typeof given === 'string') body = Buffer.from(given);
  else if (given instanceof URLSearchParams) {
    body = Buffer.from(given.toString());
    if (!hasHeader(headers, 'content-type')) headers['content-type'] = 'application/x-www-form-urlencoded;charset=UTF-8';
  } else if (given instanceof Uint8Array) body = Buffer.from(given.buffer, given.byteOffset, given.byteLength);
  else if (given instanceof ArrayBuffer) body = Buffer.from(given);
  else throw new TypeError('the request body must be a string, URLSearchParams or bytes');
  if (body !== undefined) headers['content-length'] = String(body.byteLength);
  return { body, headers };
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}

class StaleConnection extends Error {
  constructor(cause: unknown) {
    super('a kept connection was closed by the provider', { cause });
  }
}

interface Exchange {
  target: URL;
  method: string;
  headers: Record<string, string>;
  body: Buffer | undefined;
  signal: AbortSignal | undefined;
  timeoutMs: number;
  maxResponseBytes: number;
  agent: HttpAgent;
}

function send(exchange: Exchange): Promise<Response> {
  const { target, method, headers, body, signal, agent } = exchange;
  return new Promise<Response>((resolve, reject) => {
    let settled = false;
    let answered = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      outcome();
    };
    const fail = (cause: unknown) => {
      request.destroy();
      finish(() => reject(new TypeError('fetch failed', { cause })));
    };
    const onAbort = () => {
      request.destroy();
      finish(() => reject(signal!.reason));
    };

    const options = { method, headers, agent };
    const request: ClientRequest = target.protocol === 'https:' ? httpsRequest(target, options) : httpRequest(target, options);
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (!answered && request.reusedSocket && STALE_CONNECTION_CODES.has(error.code ?? '')) finish(() => reject(new StaleConnection(error)));
      else fail(error);
    });
    request.on('response', (response: IncomingMessage) => {
      answered = true;
      readAnswer(response, exchange.maxResponseBytes, method).then((answer) => finish(() => resolve(answer)), fail);
    });
    if (signal) signal.addEventListener('abort', onAbort, { once: true });
    else timer = setTimeout(() => fail(new Error(`no answer within ${exchange.timeoutMs} ms`)), exchange.timeoutMs);
    request.end(body);
  });
}

/** The whole answer as a Response; more than `limit` bytes, a compressed body or a body that breaks off fails. */
function readAnswer(response: IncomingMessage, limit: number, method: string): Promise<Response> {
  return new Promise((resolve, reject) => {
    const status = response.statusCode ?? 0;
    const encoding = response.headers['content-encoding'];
    // Nothing is asked with Accept-Encoding, so a compressed answer is one the portal cannot read.
    if (encoding !== undefined && encoding.toLowerCase() !== 'identity') return reject(new Error(`the answer is ${encoding}-encoded, which was not asked for`));
    const declared = Number(response.headers['content-length'] ?? NaN);
    if (declared > limit) return reject(new Error(`the answer is larger than ${limit} bytes (${declared})`));
    const chunks: Buffer[] = [];
    let total = 0;
    response.on('data', (chunk: Buffer) => {
      total += chunk.byteLength;
      if (total > limit) {
        response.destroy();
        reject(new Error(`the answer is larger than ${limit} bytes`));
      } else {
        chunks.push(chunk);
      }
    });
    response.on('error', reject);
    response.on('close', () => {
      if (!response.complete) reject(new Error('the answer broke off'));
    });
    response.on('end', () => {
      const headers: [string, string][] = [];
      for (let i = 0; i < response.rawHeaders.length; i += 2) headers.push([response.rawHeaders[i]!, response.rawHeaders[i + 1]!]);
      const withoutBody = NULL_BODY_STATUS.has(status) || method === 'HEAD';
      try {
        // Made as a Response (see BufferedResponse), which TypeScript's types of Response cannot express.
        resolve(
          new BufferedResponse(withoutBody ? null : Buffer.concat(chunks, total), {
            status,
            statusText: response.statusMessage ?? '',
            headers,
          }) as unknown as Response,
        );
      } catch (error) {
        // A status fetch would not hand over (below 200 or above 599).
        reject(error);
      }
    });
  });
}

/**
 * A Response whose body is bytes already in memory. A Response made with a body wraps it in a web stream, and
 * reading it back (`json()`, `text()`) goes through that stream: for a token answer of a kilobyte that cost
 * several times the rest of what openid-client does with it, once per sign-in. This one reads the bytes directly,
 * and still behaves as a Response: its body can be read once, `bodyUsed` tells whether it was, a clone has its own.
 * `body`, asked for as a stream, is made as a standard Response would make it, and reading that counts too.
 */
class BufferedResponse extends (Response as unknown as new (body: null, init: ResponseInit) => object) {
  declare readonly headers: Headers;
  declare readonly status: number;
  declare readonly statusText: string;
  readonly #bytes: Buffer | null;
  #read = false;
  #standard: Response | undefined;

  constructor(bytes: Buffer | null, init: ResponseInit) {
    super(null, init);
    this.#bytes = bytes;
  }

  get body(): ReadableStream<Uint8Array<ArrayBuffer>> | null {
    if (this.#bytes === null) return null;
    this.#standard ??= new Response(this.#read ? null : this.#bytes);
    return this.#standard.body as ReadableStream<Uint8Array<ArrayBuffer>> | null;
  }

  get bodyUsed(): boolean {
    return this.#read || (this.#standard?.bodyUsed ?? false);
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = this.#take();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  async text(): Promise<string> {
    return new TextDecoder().decode(this.#take());
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  async blob(): Promise<Blob> {
    return new Blob([await this.arrayBuffer()], { type: this.headers.get('content-type') ?? '' });
  }

  async formData(): Promise<FormData> {
    return new Response(await this.arrayBuffer(), { headers: this.headers }).formData();
  }

  clone(): Response {
    if (this.bodyUsed) throw new TypeError('Response.clone: the body has already been read');
    if (this.#standard) return this.#standard.clone();
    return new BufferedResponse(this.#bytes, { status: this.status, statusText: this.statusText, headers: this.headers }) as unknown as Response;
  }

  /** The bytes, once: a body is read only once, as fetch's is. */
  #take(): Buffer {
    if (this.bodyUsed) throw new TypeError('Body is unusable: Body has already been read');
    this.#read = true;
    if (this.#standard) throw new TypeError('Body is unusable: its stream was taken');
    return this.#bytes ?? Buffer.alloc(0);
  }
}
