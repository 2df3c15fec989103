/**
 * `xacminh inspector add|reset-password|list`: a technician creates the police inspectors' accounts for the
 * inspection page (until provisioning creates them) and hands over the password printed once. The password
 * is never stored in clear nor logged; the accounts file (accounts.json in the data dir) holds scrypt hashes.
 */
import type { Command } from 'commander';
import { XacminhError } from '../../drivers/errors.ts';
import { ensureAccounts, readAccounts, usernameSchema } from '../accounts/accounts.ts';
import { processIo, type CliIo } from './cli-io.ts';

interface DataDirOption {
  dataDir: string;
}

const defaultDataDir = () => process.env.XACMINH_DATA_DIR ?? './.data';

function checkedName(username: string): string {
  const parsed = usernameSchema.safeParse(username);
  if (!parsed.success) {
    throw new XacminhError('INVALID_INPUT', `Tên đăng nhập "${username}" không hợp lệ: 3–32 ký tự, chữ thường không dấu, số, ".", "_" hoặc "-", bắt đầu bằng chữ. (${parsed.error.issues[0]?.message ?? 'invalid user name'})`, { username });
  }
  return parsed.data;
}

function passwordLines(username: string, password: string, what: string): string {
  return (
    `${what} cán bộ kiểm tra "${username}".\n` +
    `  Mật khẩu: ${password}\n` +
    '  Mật khẩu chỉ hiện MỘT LẦN này: ghi ra giấy và giao tận tay cán bộ; máy không lưu mật khẩu dạng đọc được.\n' +
    `  (The password is shown once only. Log in on the inspection page, https://<terminal>:8443/login.)\n`
  );
}

export async function inspectorAddCommand(username: string, options: DataDirOption, io: CliIo): Promise<number> {
  const name = checkedName(username);
  const existing = readAccounts(options.dataDir).find((a) => a.username === name);
  if (existing) {
    throw new XacminhError('INVALID_INPUT', `Đã có tài khoản "${name}" (vai trò ${existing.role}): muốn cấp mật khẩu mới thì dùng \`xacminh inspector reset-password ${name}\`. (The account exists.)`, { username: name });
  }
  const [change] = await ensureAccounts(options.dataDir, [{ username: name, role: 'inspector' }]);
  io.stdout(passwordLines(name, change!.password!, 'Đã tạo tài khoản'));
  return 0;
}

export async function inspectorResetCommand(username: string, options: DataDirOption, io: CliIo): Promise<number> {
  const name = checkedName(username);
  const existing = readAccounts(options.dataDir).find((a) => a.username === name);
  if (!existing || existing.role !== 'inspector') {
    throw new XacminhError('INVALID_INPUT', `Không có tài khoản cán bộ kiểm tra "${name}": xem danh sách bằng \`xacminh inspector list\`. (No such inspector account.)`, { username: name });
  }
  const changes = await ensureAccounts(options.dataDir, [{ username: name, role: 'inspector' }], { resetPassword: [name] });
  const change = changes.find((c) => c.username === name)!;
  io.stdout(passwordLines(name, change.password!, 'Đã cấp mật khẩu mới cho'));
  return 0;
}

export function inspectorListCommand(options: DataDirOption, io: CliIo): number {
  const inspectors = readAccounts(options.dataDir).filter((a) => a.role === 'inspector');
  if (inspectors.length === 0) {
    io.stdout('Chưa có tài khoản cán bộ kiểm tra nào. Tạo bằng `xacminh inspector add <tên>`.\n');
    return 0;
  }
  io.stdout(`${inspectors.length} tài khoản cán bộ kiểm tra:\n`);
  for (const a of inspectors) io.stdout(`  ${a.username}  tạo lúc ${a.createdAt}, đặt mật khẩu lúc ${a.passwordSetAt}\n`);
  return 0;
}

export function registerInspectorCommand(program: Command, io: CliIo = processIo, onExit: (code: number) => void = (code) => (process.exitCode = code)): Command {
  const inspector = program.command('inspector').description('Police inspector accounts for the inspection page: add one, give a new password, list them');
  const dataDir = (c: Command) => c.option('--data-dir <dir>', 'data dir holding accounts.json', defaultDataDir());
  dataDir(inspector.command('add'))
    .description('Create an inspector account and print its password once')
    .argument('<username>', '3–32 characters: a-z, 0-9, ".", "_" or "-", starting with a letter')
    .action(async (username: string, o: DataDirOption) => onExit(await inspectorAddCommand(username, o, io)));
  dataDir(inspector.command('reset-password'))
    .description("Give an inspector a new password (printed once); the old one stops working")
    .argument('<username>')
    .action(async (username: string, o: DataDirOption) => onExit(await inspectorResetCommand(username, o, io)));
  dataDir(inspector.command('list'))
    .description('List the inspector accounts (names and dates; never passwords)')
    .action((o: DataDirOption) => onExit(inspectorListCommand(o, io)));
  return inspector;
}
