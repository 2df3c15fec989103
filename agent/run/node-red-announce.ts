/**
 * What `xacminh start` prints about the site flows: the technician's one-time password (once, at the start
 * that made it), the editor's address when the runtime is up, and, in the demo, what the flows do.
 */
import type { NodeRedPart } from './node-red-part.ts';

export function announceNodeRed(part: NodeRedPart, print: (line: string) => void, options: { demo: boolean }): void {
  const account = part.firstAccount;
  if (account) {
    print(`  site flows: tài khoản kỹ thuật viên ${account.username}, mật khẩu dùng một lần ${account.password} (chỉ hiện lần này — technician account, one-time password, shown once)`);
  }
  part.runtime.once('ready', (url: string) => {
    const port = new URL(url).port;
    print(`  site flows (Node-RED): editor ${url} — only on this machine; from a laptop: ssh -L ${port}:127.0.0.1:${port} <terminal>, then open http://127.0.0.1:${port}/`);
  });
  part.runtime.on('restart', (n: number) => print(`  ! site flows: Node-RED restarted (${n}); verifications were not affected`));
  if (!options.demo) return;
  part.on('indicate', (command: { pattern: string; durationMs: number }) => print(`      site flow → ${command.pattern} ${command.durationMs} ms`));
  part.on('kiosk', (notice: { notice: string | null; messageVi?: string }) => print(`      site flow → kiosk: ${notice.notice ? (notice.messageVi ?? notice.notice) : 'quầy mở cửa (counter open)'}`));
}
