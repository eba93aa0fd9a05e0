/**
 * The OpenAPI 3.1 description of what the Latvija.lv e-service may call, served at OPENAPI_PATH: the embedded
 * list (HTML) or the same data as JSON, the download links, and the token the e-service must send. The JSON
 * answers are shaped here too (`certificateListJson`, `problemJson`), beside the schemas that describe them, so
 * a change to one is seen next to the other.
 */
import type { EserviceCertificate } from '../data/eservice.js';
import type { PaperRequestSummary } from '../data/paper-requests.js';
import { examTitle } from '../domain/exam-title.js';
import { schoolYearName } from '../domain/release.js';
import type { Language } from '../i18n.js';
import { CLOCK_TOLERANCE_SECONDS, EMBED_PATH, PERSONAL_CODE_CLAIM, REPRESENTED_CLAIM, TOKEN_ALGORITHMS } from './claims.js';

export interface OpenApiSettings {
  publicUrl: string;
  issuer: string;
  audience: string;
  maxTokenSeconds: number;
  origins: readonly string[];
}

const PERSONAL_CODE = { type: 'string', pattern: '^(\\d{6}-?\\d{5})$', examples: ['161175-19997', '32579461005'] };

export function eserviceOpenApi(settings: OpenApiSettings): Record<string, unknown> {
  const tokenText = [
    `A JWT (JWS compact form) signed by the e-service with one of ${TOKEN_ALGORITHMS.join(', ')} and a key from its published JWKS.`,
    `Required claims: \`iss\` = \`${settings.issuer}\`, \`aud\` naming \`${settings.audience}\`, \`exp\`, \`iat\`, \`jti\` (unique per token),`,
    `and \`${PERSONAL_CODE_CLAIM}\` (the signed-in person's Latvian personal code, \`DDMMYY-NNNNN\` or 11 digits).`,
    `Optional: \`${REPRESENTED_CLAIM}\`, when the signed-in person acts as the representative (e.g. parent) of another person, whose`,
    `documents are then shown; the e-service is responsible for having checked the right to represent. \`nbf\` is honoured if present.`,
    `\`exp − iat\` may be at most ${settings.maxTokenSeconds} s; clocks may differ by ${CLOCK_TOLERANCE_SECONDS} s. Each token is accepted once:`,
    'a second use of the same `jti` (on any instance of the portal) is refused. Every refusal is 401 with no data.',
  ].join(' ');
  const problem = { type: 'object', required: ['error'], properties: { error: { type: 'string', enum: ['invalid_token', 'temporarily_unavailable'] } } };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Eksāmenu portāls: Latvija.lv e-service interface',
      version: '1',
      description: [
        'The e-service "Izglītību apliecinošo dokumentu apskate un saņemšana" embeds the list of a person\'s centralised-exam',
        `certificates of all school years in a frame (\`${EMBED_PATH}?token=…\`), or reads it as JSON.`,
        `Only these origins may frame the list (Content-Security-Policy frame-ancestors): ${settings.origins.length > 0 ? settings.origins.join(', ') : 'none configured'}.`,
        'The HTML flow: the token opens a 15-minute embed session and the browser is redirected to the list with the',
        'session id (`s`) in the address; links and forms inside the frame carry it, so no third-party cookie is needed.',
        "Certificates appear from their results' release moment; annulled ones are listed as annulled, without a download link.",
      ].join(' '),
    },
    servers: [{ url: settings.publicUrl }],
    components: {
      securitySchemes: {
        eserviceToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: tokenText },
        eserviceTokenQuery: {
          type: 'apiKey',
          in: 'query',
          name: 'token',
          description: `The same token as a query parameter, for a frame's \`src\`. ${tokenText}`,
        },
      },
      schemas: {
        TokenClaims: {
          type: 'object',
          description: 'The claims of the e-service token.',
          required: ['iss', 'aud', 'exp', 'iat', 'jti', PERSONAL_CODE_CLAIM],
          properties: {
            iss: { type: 'string', const: settings.issuer },
            aud: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }], description: `Must name ${settings.audience}.` },
            exp: { type: 'integer', description: 'Seconds since 1970; at most maxTokenSeconds after iat.' },
            iat: { type: 'integer' },
            nbf: { type: 'integer' },
            jti: { type: 'string', minLength: 1, maxLength: 256 },
            [PERSONAL_CODE_CLAIM]: { ...PERSONAL_CODE, description: 'The person signed in at the e-service.' },
            [REPRESENTED_CLAIM]: { ...PERSONAL_CODE, description: 'Whose documents, when acting as their representative.' },
          },
        },
        CertificateList: {
          type: 'object',
          required: ['holder', 'representative', 'certificates', 'linksExpireAt'],
          properties: {
            holder: {
              oneOf: [
                { type: 'null' },
                { type: 'object', required: ['firstName', 'lastName'], properties: { firstName: { type: 'string' }, lastName: { type: 'string' } } },
              ],
              description: 'null when the register does not know the person (then the list is empty).',
            },
            representative: { type: 'boolean', description: 'True when the token named a represented person.' },
            linksExpireAt: { type: 'string', format: 'date-time' },
            certificates: { type: 'array', items: { $ref: '#/components/schemas/Certificate' } },
          },
        },
        Certificate: {
          type: 'object',
          required: ['number', 'issuedOn', 'examCode', 'examName', 'education', 'level', 'schoolYear', 'total', 'state', 'downloadUrl', 'paperRequest'],
          properties: {
            number: { type: 'string', examples: ['2026/301949081206-KUMAL'] },
            issuedOn: { type: 'string', format: 'date' },
            examCode: { type: 'string', examples: ['KUMAL'] },
            examName: { type: 'string', description: 'In the language asked for (`lang=lv|en`, Latvian by default).' },
            education: { type: 'string', enum: ['basic', 'secondary'] },
            level: { type: ['string', 'null'], enum: ['general', 'optimal', 'higher', null] },
            schoolYear: { type: 'string', examples: ['2025/2026'] },
            total: { type: 'integer', minimum: 0, maximum: 100, description: 'Total percent, truncated to a whole number.' },
            state: { type: 'string', enum: ['issued', 'annulled'] },
            annulledOn: { type: ['string', 'null'], format: 'date' },
            downloadUrl: {
              type: ['string', 'null'],
              format: 'uri',
              description: 'A short-lived link to the sealed .edoc for this person only; null for an annulled certificate.',
            },
            paperRequest: {
              oneOf: [
                { type: 'null' },
                {
                  type: 'object',
                  required: ['status', 'delivery', 'requestedAt'],
                  properties: {
                    status: { type: 'string', enum: ['received', 'printed', 'sent'] },
                    delivery: { type: 'string', enum: ['post', 'pickup'] },
                    requestedAt: { type: 'string', format: 'date-time' },
                    printedAt: { type: ['string', 'null'], format: 'date-time' },
                    sentAt: { type: ['string', 'null'], format: 'date-time' },
                  },
                },
              ],
            },
          },
        },
        Problem: problem,
      },
    },
    paths: {
      [EMBED_PATH]: {
        get: {
          summary: "The certificates of the token's person (or of the person they represent), all school years",
          description:
            'With `Accept: application/json`: the list as JSON. Otherwise the embeddable page: the token opens an embed session and the answer is a 303 to the list (`?s=…`).',
          security: [{ eserviceToken: [] }, { eserviceTokenQuery: [] }],
          parameters: [{ name: 'lang', in: 'query', required: false, schema: { type: 'string', enum: ['lv', 'en'] } }],
          responses: {
            '200': {
              description: 'The list.',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/CertificateList' } }, 'text/html': { schema: { type: 'string' } } },
            },
            '303': { description: 'HTML: to the list in the new embed session.' },
            '401': {
              description: 'No token, or a token that is malformed, wrongly signed, expired, for another audience or issuer, too long-lived, or used before.',
              headers: { 'WWW-Authenticate': { schema: { type: 'string' } } },
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Problem' } } },
            },
            '503': {
              description: "The e-service's keys could not be fetched.",
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Problem' } } },
            },
          },
        },
        post: {
          summary: 'The same, with the token as a form field',
          description:
            'For a form the e-service posts into the frame (`<form method="post" target="…">`): the token, which carries the personal code, then appears in no address, history entry or access log. Answers as GET does.',
          parameters: [{ name: 'lang', in: 'query', required: false, schema: { type: 'string', enum: ['lv', 'en'] } }],
          requestBody: {
            required: true,
            content: {
              'application/x-www-form-urlencoded': {
                schema: { type: 'object', required: ['token'], properties: { token: { type: 'string', description: tokenText } } },
              },
            },
          },
          responses: {
            '200': {
              description: 'JSON, when asked for with Accept: application/json.',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/CertificateList' } } },
            },
            '303': { description: 'To the list in the new embed session.' },
            '401': { description: 'As for GET.', content: { 'application/json': { schema: { $ref: '#/components/schemas/Problem' } } } },
          },
        },
      },
      '/eservice/download': {
        get: {
          summary: 'The sealed certificate (.edoc) behind a download link',
          parameters: [{ name: 'link', in: 'query', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{43}$' } }],
          responses: {
            '200': {
              description: 'The ASiC-E container.',
              content: { 'application/vnd.etsi.asic-e+zip': { schema: { type: 'string', contentMediaType: 'application/vnd.etsi.asic-e+zip' } } },
            },
            '404': { description: 'Unknown or expired link, or the certificate is no longer valid.' },
            '503': { description: 'Sealing is busy; try again after Retry-After seconds.' },
          },
        },
      },
    },
  };
}

/** The `Problem` schema: why a token was refused. */
export type ProblemJson = { error: 'invalid_token' | 'temporarily_unavailable' };

export function problemJson(error: ProblemJson['error']): ProblemJson {
  return { error };
}

/** What the `CertificateList` answer is made of; the embedded page shows the same. */
export interface CertificateListData {
  /** Undefined when the register does not know the person (the list is then empty). */
  holder: { firstName: string; lastName: string } | undefined;
  representative: boolean;
  linksExpireAt: Date;
  certificates: readonly EserviceCertificate[];
  /** Absolute download address by certificate id; only valid certificates have one. */
  downloadUrls: ReadonlyMap<number, string>;
  /** The newest paper copy request by certificate id. */
  papers: ReadonlyMap<number, PaperRequestSummary>;
}

/** The `CertificateList` schema, filled; exam names in `lang`. */
export function certificateListJson(list: CertificateListData, lang: Language) {
  return {
    holder: list.holder ? { firstName: list.holder.firstName, lastName: list.holder.lastName } : null,
    representative: list.representative,
    linksExpireAt: list.linksExpireAt.toISOString(),
    certificates: list.certificates.map((cert) => {
      const paper = list.papers.get(cert.certificateId);
      return {
        number: cert.number,
        issuedOn: cert.issuedOn,
        examCode: cert.examCode,
        examName: examTitle(cert, lang),
        education: cert.education,
        level: cert.level,
        schoolYear: schoolYearName(cert.schoolYear),
        total: cert.total,
        state: cert.state,
        annulledOn: cert.annulledOn,
        downloadUrl: list.downloadUrls.get(cert.certificateId) ?? null,
        paperRequest: paper
          ? { status: paper.status, delivery: paper.delivery, requestedAt: paper.requestedAt, printedAt: paper.printedAt, sentAt: paper.sentAt }
          : null,
      };
    }),
  };
}
