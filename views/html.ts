/** What a view returns: escaped HTML, possibly still being rendered. */
import type { HtmlEscapedString } from 'hono/utils/html';

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;
