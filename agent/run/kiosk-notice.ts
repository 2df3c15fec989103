/**
 * The kiosk's notice (a site flow's "counter closed"): set by the Node-RED part, read by the pages. The pages
 * start before the flows do, so they hold this board rather than the flows' part.
 */
import { EventEmitter } from 'node:events';
import type { KioskNotice } from './node-red-protocol.ts';
import type { NoticeSource } from '../ui/server.ts';

export class KioskNoticeBoard extends EventEmitter<{ change: [] }> implements NoticeSource {
  private notice: KioskNotice = { notice: null };

  current(): KioskNotice {
    return this.notice;
  }

  set(notice: KioskNotice): void {
    this.notice = notice;
    this.emit('change');
  }
}
