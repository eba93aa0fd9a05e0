/** Share links and the access history inside the e-service's frame: the share views in the embed page. */
import type { AccessHistoryView } from './access-history.js';
import { accessHistoryBody } from './access-history.js';
import { embedLayout, type EmbedContext, type EmbedPerson, type SessionEnd } from './eservice.js';
import type { Html } from './layout.js';
import { holderShareBody, shareCreatedBody, sharedBody, type HolderPaths, type HolderShareView, type SharedView } from './share.js';

export interface EmbedFrame {
  person: EmbedPerson;
  session: SessionEnd;
}

export function embedSharePage(page: EmbedContext, frame: EmbedFrame, paths: HolderPaths, view: HolderShareView): Html {
  return embedLayout(page, page.t('share.title'), holderShareBody(page, paths, view), { ...frame, error: view.errors.length > 0, form: true });
}

export function embedShareCreatedPage(page: EmbedContext, frame: EmbedFrame, paths: HolderPaths, made: Parameters<typeof shareCreatedBody>[2]): Html {
  return embedLayout(page, page.t('share.created.title'), shareCreatedBody(page, paths, made), frame);
}

export function embedSharePreviewPage(page: EmbedContext, frame: EmbedFrame, view: SharedView): Html {
  return embedLayout(page, page.t('share.preview.title'), sharedBody(page, view), frame);
}

export function embedAccessHistoryPage(page: EmbedContext, frame: EmbedFrame, view: AccessHistoryView): Html {
  return embedLayout(page, page.t('accessHistory.title'), accessHistoryBody(page, view), frame);
}
