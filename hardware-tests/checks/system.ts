/** Checks of the machine itself: Node.js version, disk space and a real register write, the register's chain. */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { dirname, join } from 'node:path';
import type { Check } from '../types.ts';
import { fail, failFrom, skip } from './outcome.ts';

const NODE_EOL = 'Node 20 reached end of life on 2026-04-30';

export const nodeVersion: Check = {
  id: 'node.version',
  title: 'Node.js version supported',
  titleVi: 'Phiên bản Node.js được hỗ trợ',
  async run(ctx) {
    const version = ctx.nodeVersion ?? process.versions.node;
    const major = Number(version.split('.')[0]);
    const measured = { version };
    const limits = { pass: '>= 22', marginal: '20.x' };
    if (major >= 22) return { status: 'pass', measured, limits };
    const how = 'install Node 24 LTS (NodeSource packages) and run xacminh install-service again';
    const howVi = 'cài Node 24 LTS (gói NodeSource) rồi chạy lại xacminh install-service';
    if (major === 20) return { status: 'marginal', measured, limits, hint: `${NODE_EOL}: ${how}`, hintVi: `Node 20 đã hết hạn hỗ trợ ngày 30/04/2026: ${howVi}` };
    return fail(`Node ${version} is not supported: ${how}`, `Node ${version} không được hỗ trợ: ${howVi}`, measured, limits);
  },
};

export const diskSpace: Check = {
  id: 'disk.space',
  title: 'Free disk space for the data dir',
  titleVi: 'Dung lượng trống cho thư mục dữ liệu',
  async run(ctx) {
    const stat = await (ctx.statfs ?? ((path: string) => fs.promises.statfs(path)))(existingParent(ctx.paths.root));
    const free = Number(stat.bavail) * Number(stat.bsize);
    const total = Number(stat.blocks) * Number(stat.bsize);
    const measured = { freeBytes: free, totalBytes: total, freeMiB: Math.floor(free / 1024 ** 2) };
    const limits = { marginalBelowBytes: ctx.limits.diskMarginalBytes, failBelowBytes: ctx.limits.diskFailBytes };
    const fix = 'free space: delete old exports and logs (journalctl --vacuum-size=100M) or use a larger SD card';
    const fixVi = 'giải phóng dung lượng: xóa tệp xuất cũ và nhật ký (journalctl --vacuum-size=100M) hoặc dùng thẻ nhớ lớn hơn';
    if (free < ctx.limits.diskFailBytes) return fail(`Only ${measured.freeMiB} MiB free: the register will stop recording. ${fix}`, `Chỉ còn ${measured.freeMiB} MiB trống: sổ đăng ký sẽ không ghi được. ${fixVi}`, measured, limits);
    if (free < ctx.limits.diskMarginalBytes) return { status: 'marginal', measured, limits, hint: `Only ${measured.freeMiB} MiB free. ${fix}`, hintVi: `Chỉ còn ${measured.freeMiB} MiB trống. ${fixVi}` };
    return { status: 'pass', measured, limits };
  },
};

export const diskWrite: Check = {
  id: 'disk.write',
  title: 'A write beside the register reaches the disk',
  titleVi: 'Ghi thử bên cạnh sổ đăng ký',
  async run(ctx) {
    const path = ctx.writeProbePath ?? join(dirname(ctx.paths.register), `.selftest-probe-${randomBytes(6).toString('hex')}`);
    const data = randomBytes(64 * 1024);
    // Asynchronous: in the agent an fsync on a slow SD card must not stall the event loop.
    let handle: fs.promises.FileHandle | undefined;
    try {
      await fs.promises.mkdir(dirname(path), { recursive: true, mode: 0o700 });
      handle = await fs.promises.open(path, 'w', 0o600);
      await handle.write(data);
      await handle.sync();
      return { status: 'pass', measured: { bytes: data.length, fsync: true } };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unknown';
      return failFrom(
        error,
        `Cannot write to ${dirname(path)} (${code}): the register cannot record. Check free space (df -h) and that the folder is writable by the xacminh user`,
        `Không ghi được vào ${dirname(path)} (${code}): sổ đăng ký không ghi được. Kiểm tra dung lượng (df -h) và quyền ghi của người dùng xacminh`,
        { errno: code },
      );
    } finally {
      await handle?.close().catch(() => undefined);
      // Only our own probe is removed: a device (the test's /dev/full) is left alone.
      if (!ctx.writeProbePath) await fs.promises.rm(path, { force: true });
    }
  },
};

export const registerChain: Check = {
  id: 'register.chain',
  title: 'Register hash chain and signatures verify',
  titleVi: 'Chuỗi băm và chữ ký của sổ đăng ký hợp lệ',
  timeoutMs: 10 * 60_000,
  async run(ctx, signal) {
    if (!ctx.verifyRegister || !fs.existsSync(ctx.paths.register)) return skip({ en: 'no register yet (nothing recorded on this terminal)', vi: 'chưa có sổ đăng ký (máy chưa ghi giao dịch nào)' });
    const chain = await ctx.verifyRegister(signal);
    const measured = { entries: chain.entries, signedThrough: chain.signedThrough, problems: chain.problems.slice(0, 10) };
    if (chain.ok) return { status: 'pass', measured };
    return fail(
      'The register does not verify: do not use the terminal; export it (xacminh register export) and report to the authority',
      'Sổ đăng ký không còn nguyên vẹn: ngừng sử dụng máy, xuất sổ (xacminh register export) và báo cho cơ quan quản lý',
      measured,
    );
  },
};

function existingParent(path: string): string {
  let p = path;
  while (!fs.existsSync(p) && dirname(p) !== p) p = dirname(p);
  return p;
}
