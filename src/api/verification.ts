/**
 * The public verification API for universities, employers and anyone abroad: its JSON answers and their OpenAPI
 * 3.1 description side by side, so a change to one is seen next to the other. Served at VERIFY_API_PATH, described
 * at API_OPENAPI_PATH; certificate facts use the published schema of certificate-data.json.
 */
import { CERTIFICATE_DATA_SCHEMA_PATH, certificateDataJson, certificateDataSchema, type CertificateDataJson } from '../certificate/data.js';
import type { NumberCheck, RegisterEntry, UploadCheck } from '../data/verification.js';
import type { Translate } from '../i18n.js';
import type { VerificationProblem } from '../sealing/verify.js';
import type { SignatureLevel } from '../sealing/signature-check.js';

export const VERIFY_API_PATH = '/api/verify';
export const API_OPENAPI_PATH = '/api/openapi.json';
export const EDOC_MEDIA_TYPE = 'application/vnd.etsi.asic-e+zip';
export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

export type Verdict = 'genuine' | 'annulled' | 'not-confirmed';
export type CheckMethod = 'document' | 'personal-code' | 'verification-code';

export interface VerificationJson {
  verdict: Verdict;
  method: CheckMethod;
  certificate: CertificateDataJson | null;
  register: { state: 'issued' | 'annulled' | 'unknown'; annulledAt: string | null; annulledReason: string | null; sealed: boolean | null };
  signature: {
    level: SignatureLevel | null;
    signer: { commonName: string; organization: string | null; organizationIdentifier: string | null; serialNumber: string } | null;
    signingTime: string | null;
    timestampTime: string | null;
    sha256: string;
  } | null;
  problems: { code: string; message: string }[];
}

function problems(list: readonly VerificationProblem[], t: Translate) {
  return list.map((p) => ({ code: p.key.replace(/^verify\./, ''), message: t(p.key, p.params ?? {}) }));
}

function register(entry: RegisterEntry | undefined, sealed: boolean | null): VerificationJson['register'] {
  if (!entry) return { state: 'unknown', annulledAt: null, annulledReason: null, sealed: null };
  return { state: entry.state, annulledAt: entry.annulledAt, annulledReason: entry.annulledReason, sealed };
}

function verdictOf(confirmed: boolean, entry: RegisterEntry | undefined): Verdict {
  if (!confirmed || !entry) return 'not-confirmed';
  return entry.state === 'annulled' ? 'annulled' : 'genuine';
}

/** The report on an uploaded .edoc: its seal, the facts it states, and what the register holds under its number. */
export function uploadReportJson(check: UploadCheck, t: Translate): VerificationJson {
  const { report } = check;
  const list: VerificationProblem[] = [...report.problems];
  if (report.genuine && !check.register) list.push({ key: 'verify.not-in-register' });
  return {
    verdict: verdictOf(report.genuine, check.register),
    method: 'document',
    // Rebuilt from the facts, so a document of the first format answers in this shape too (without its code).
    certificate: report.genuine && report.facts ? certificateDataJson(report.facts) : null,
    register: register(check.register, null),
    signature: {
      level: report.level ?? null,
      signer: report.signer
        ? {
            commonName: report.signer.commonName,
            organization: report.signer.organization ?? null,
            organizationIdentifier: report.signer.organizationIdentifier ?? null,
            serialNumber: report.signer.serialNumber,
          }
        : null,
      signingTime: report.signingTime?.toISOString() ?? null,
      timestampTime: report.timestampTime?.toISOString() ?? null,
      sha256: report.sha256,
    },
    problems: problems(list, t),
  };
}

/** The report on a look-up by number: what the register holds, or that nothing matches number and code. */
export function numberReportJson(check: NumberCheck, method: 'personal-code' | 'verification-code', t: Translate): VerificationJson {
  if (!check.found) {
    return {
      verdict: 'not-confirmed',
      method,
      certificate: null,
      register: register(undefined, null),
      signature: null,
      problems: problems([{ key: method === 'verification-code' ? 'verify.not-found-code' : 'verify.not-found' }], t),
    };
  }
  const notes: VerificationProblem[] = check.sealed || check.register.state !== 'issued' ? [] : [{ key: 'verify.not-sealed' }];
  return {
    verdict: verdictOf(true, check.register),
    method,
    certificate: certificateDataJson(check.facts),
    register: register(check.register, check.sealed),
    signature: null,
    problems: problems(notes, t),
  };
}

/** An RFC 9457 problem: the status says what went wrong (`about:blank`), `detail` says it in words. */
export interface ProblemJson {
  type: 'about:blank';
  title: string;
  status: number;
  detail: string;
  /** 400 only: each field at fault. */
  errors?: { field: string; message: string }[];
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
};

export function problemJson(status: keyof typeof TITLES, detail: string, errors?: ProblemJson['errors']): ProblemJson {
  return { type: 'about:blank', title: TITLES[status]!, status, detail, ...(errors ? { errors } : {}) };
}

const NUMBER_PARAM = {
  name: 'number',
  in: 'query',
  required: true,
  description: 'The certificate number as printed.',
  schema: { type: 'string', examples: ['2024/301949081206-KUMAL'] },
};
const CODE_PARAM = {
  name: 'code',
  in: 'query',
  required: true,
  description:
    'The verification code printed on the certificate (16 characters of Crockford base 32; hyphens, spaces and case do not matter; I and L read as 1, O as 0), or the holder’s Latvian personal code (`DDMMYY-NNNNN` or 11 digits).',
  schema: { type: 'string', examples: ['7KQ2-M9XD-4HTR-B8WN', '161175-19997'] },
};
const LANG_PARAM = {
  name: 'lang',
  in: 'query',
  required: false,
  description: 'Language of the `message` and `detail` texts (facts always come in both languages).',
  schema: { type: 'string', enum: ['en', 'lv'], default: 'en' },
};

export interface VerificationApiSettings {
  /** PUBLIC_URL; without it the document names no server and is read relative to where it was fetched. */
  publicUrl?: string;
}

/** The OpenAPI 3.1 document of the verification API. */
export function verificationOpenApi(settings: VerificationApiSettings): Record<string, unknown> {
  // Embedded with its $id, so that its own references (#/$defs/…) resolve within it, not against this document.
  const { $schema: _dialect, ...certificateData } = certificateDataSchema();
  const problem = (description: string, headers?: Record<string, unknown>) => ({
    description,
    ...(headers ? { headers } : {}),
    content: { [PROBLEM_MEDIA_TYPE]: { schema: { $ref: '#/components/schemas/Problem' } } },
  });
  const retryAfter = { 'Retry-After': { description: 'Seconds to wait before asking again.', schema: { type: 'integer', minimum: 1 } } };
  const report = { description: 'The verdict.', content: { 'application/json': { schema: { $ref: '#/components/schemas/VerificationReport' } } } };
  const limits =
    'Limits, shared with the portal’s /verify page: per 10 minutes 20 look-ups per IPv4 address or IPv6 /64 (40 per /56, 60 per IPv4 /24 or IPv6 /48) and 60 uploads (120, 180); ' +
    'per certificate number, from anywhere, 5 wrong codes an hour and 10 a day, a right code counting nothing. Once a number’s budget is spent even the right code is refused until the window ends, so a refusal never says whether a code was right.';
  return {
    openapi: '3.1.0',
    info: {
      title: 'Eksāmenu portāls: certificate verification API',
      version: '1',
      description: [
        'Check a Latvian centralised-exam certificate: upload the sealed .edoc (ASiC-E), or ask by certificate number with the verification code printed',
        'on the certificate (or the holder’s personal code). Open to anyone, from any country and any web page (CORS: any origin, no credentials).',
        'The verdict is `genuine` (the seal is the agency’s and intact, and the register holds the certificate as valid; for a look-up: number and',
        'code match a valid certificate), `annulled` (the certificate was annulled, whatever the seal) or `not-confirmed` (anything else; `problems` says why).',
        'A wrong code is answered exactly like an unknown number. Every check is written to the agency’s audit log.',
        limits,
      ].join(' '),
    },
    ...(settings.publicUrl ? { servers: [{ url: settings.publicUrl }] } : {}),
    components: {
      schemas: {
        CertificateData: certificateData,
        VerificationReport: {
          type: 'object',
          required: ['verdict', 'method', 'certificate', 'register', 'signature', 'problems'],
          properties: {
            verdict: { enum: ['genuine', 'annulled', 'not-confirmed'] },
            method: { enum: ['document', 'personal-code', 'verification-code'], description: 'How the certificate was checked.' },
            certificate: {
              description:
                'What the certificate states, in the shape of certificate-data.json (without its verification code): from the uploaded document, or from the register for a look-up. Null when nothing is confirmed.',
              oneOf: [{ type: 'null' }, { $ref: '#/components/schemas/CertificateData' }],
            },
            register: {
              type: 'object',
              required: ['state', 'annulledAt', 'annulledReason', 'sealed'],
              properties: {
                state: { enum: ['issued', 'annulled', 'unknown'], description: '`unknown`: the register has no such certificate (or the code did not match).' },
                annulledAt: { type: ['string', 'null'], format: 'date-time' },
                annulledReason: { type: ['string', 'null'] },
                sealed: { type: ['boolean', 'null'], description: 'For a look-up: whether the certificate has been sealed yet; null for an upload.' },
              },
            },
            signature: {
              description: 'The seal of an uploaded document; null for a look-up.',
              oneOf: [
                { type: 'null' },
                {
                  type: 'object',
                  required: ['level', 'signer', 'signingTime', 'timestampTime', 'sha256'],
                  properties: {
                    level: { enum: ['B-B', 'B-T', 'B-LT', 'B-LTA', null], description: 'XAdES baseline level.' },
                    signer: {
                      oneOf: [
                        { type: 'null' },
                        {
                          type: 'object',
                          properties: {
                            commonName: { type: 'string' },
                            organization: { type: ['string', 'null'] },
                            organizationIdentifier: { type: ['string', 'null'], examples: ['NTRLV-90009113532'] },
                            serialNumber: { type: 'string' },
                          },
                        },
                      ],
                    },
                    signingTime: { type: ['string', 'null'], format: 'date-time', description: 'The time the signer claims.' },
                    timestampTime: { type: ['string', 'null'], format: 'date-time', description: 'The time a trusted time-stamp vouches for.' },
                    sha256: { type: 'string', pattern: '^[0-9a-f]{64}$', description: 'Of the uploaded file.' },
                  },
                },
              ],
            },
            problems: {
              type: 'array',
              description: 'Why not genuine, or what else to know (not sealed yet, annulled).',
              items: {
                type: 'object',
                required: ['code', 'message'],
                properties: { code: { type: 'string', examples: ['signature.file-changed', 'not-found-code'] }, message: { type: 'string' } },
              },
            },
          },
        },
        Problem: {
          type: 'object',
          description: 'RFC 9457 problem details; the status code alone says what went wrong.',
          required: ['type', 'title', 'status', 'detail'],
          properties: {
            type: { const: 'about:blank' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            errors: {
              type: 'array',
              items: { type: 'object', required: ['field', 'message'], properties: { field: { enum: ['number', 'code'] }, message: { type: 'string' } } },
            },
          },
        },
      },
    },
    paths: {
      [VERIFY_API_PATH]: {
        get: {
          summary: 'Check a certificate by its number and verification code (or personal code)',
          description: `The verification address printed on a certificate (its QR code) is the portal’s /verify page with the same two parameters. ${limits}`,
          parameters: [NUMBER_PARAM, CODE_PARAM, LANG_PARAM],
          responses: {
            '200': report,
            '400': problem('A parameter is missing or malformed; `errors` names it.'),
            '429': problem('Too many look-ups from your network, or too many wrong codes for this number.', retryAfter),
          },
        },
        post: {
          summary: 'Check an uploaded .edoc',
          description:
            'The container is checked as an independent validator would (every digest, the seal, its chain to a trusted root, the time-stamp), then against the register.',
          parameters: [LANG_PARAM],
          requestBody: {
            required: true,
            content: {
              [EDOC_MEDIA_TYPE]: { schema: { type: 'string', contentMediaType: EDOC_MEDIA_TYPE, maxLength: 5 * 1024 * 1024 } },
              'multipart/form-data': {
                schema: { type: 'object', required: ['file'], properties: { file: { type: 'string', contentMediaType: EDOC_MEDIA_TYPE } } },
              },
            },
          },
          responses: {
            '200': report,
            '400': problem('A multipart body without its `file`, or an empty body.'),
            '413': problem('Larger than 5 MB.'),
            '415': problem(`Neither ${EDOC_MEDIA_TYPE} nor multipart/form-data.`),
            '422': problem('Checking the file took too long and was stopped; it cannot be confirmed.'),
            '429': problem('Too many uploads from your network.', retryAfter),
            '503': problem('Very many files are being checked right now.', retryAfter),
          },
        },
      },
      [CERTIFICATE_DATA_SCHEMA_PATH]: {
        get: {
          summary: 'The JSON Schema of certificate-data.json, the data file inside every sealed certificate',
          responses: { '200': { description: 'JSON Schema, draft 2020-12.', content: { 'application/schema+json': { schema: { type: 'object' } } } } },
        },
      },
    },
  };
}
