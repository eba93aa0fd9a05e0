/**
 * Which container file a ds:Reference names. ASiC-E references are relative URIs: the file's path inside the
 * container, percent-encoded. Signing tools encode differently (we encode every non-ASCII byte and the space;
 * others leave some characters as they are), so any encoding that decodes to the name is accepted; a reference
 * that could mean something else than a file of the container (a fragment, a query, a scheme, an absolute path,
 * an encoded "/") is not.
 */
export function fileOfReference(uri: string): string | undefined {
  if (uri === '' || uri.startsWith('#') || uri.startsWith('/') || /[?#]/.test(uri) || /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(uri)) return undefined;
  if (/%2f|%5c/i.test(uri)) return undefined;
  try {
    return decodeURIComponent(uri);
  } catch {
    return undefined;
  }
}
