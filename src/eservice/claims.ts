/**
 * What the Latvija.lv e-service puts in the token it sends with a person: the claim names and limits we agreed
 * on, in one place for the verifier, the development signer, the OpenAPI document and the settings.
 */

/** The personal code of the person signed in at the e-service (who acts): `DDMMYY-NNNNN` or 11 digits. */
export const PERSONAL_CODE_CLAIM = 'personal_code';
/**
 * Present only when the signed-in person acts for someone else (a parent for a child): the personal code of the
 * person whose documents are asked for. The e-service has checked the right to represent; we record who acted.
 */
export const REPRESENTED_CLAIM = 'represented_personal_code';

/** Signature algorithms accepted: what national identity services use; never `none` or a shared secret. */
export const TOKEN_ALGORITHMS = ['ES256', 'ES384', 'RS256', 'PS256', 'EdDSA'] as const;

export const DEFAULT_MAX_TOKEN_SECONDS = 300;
/** Seconds of clock difference between the e-service and us that are forgiven in exp, nbf and iat. */
export const CLOCK_TOLERANCE_SECONDS = 30;

/** Outside production, without ESERVICE_* settings: the demo e-service whose key is made in DATA_DIR/eservice/. */
export const DEVELOPMENT_ISSUER = 'urn:eksameni:development-eservice';

/** Where the embedded list lives; the token comes as `?token=` or `Authorization: Bearer`. */
export const EMBED_PATH = '/eservice/certificates';
export const OPENAPI_PATH = '/api/eservice/openapi.json';
