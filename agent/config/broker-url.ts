/**
 * The one parse of an MQTT broker URL. The config's TLS check judges the host this returns, and the
 * publisher gives mqtt.js this same protocol, host, port and path as options (never the URL string):
 * mqtt.js parses a URL with the legacy url.parse, which reads `mqtt://evil\@127.0.0.1` as host `evil`
 * where WHATWG URL reads 127.0.0.1, so a check on one parser and a connection on the other could differ.
 * Whatever two parsers might read differently (backslash, spaces, control or non-ASCII characters,
 * user info, percent escapes, odd host characters) is refused here rather than guessed.
 */
import { isIP } from 'node:net';

export type BrokerProtocol = 'mqtt' | 'mqtts' | 'tcp' | 'tls' | 'ws' | 'wss';

export interface BrokerTarget {
  protocol: BrokerProtocol;
  /** Lower case; an IPv6 address without its brackets. */
  host: string;
  /** Absent: mqtt.js's default for the protocol (1883, 8883, 80 or 443). */
  port?: number;
  /** WebSocket path and query ('/' at least); empty for the TCP protocols. */
  path: string;
}

export type BrokerUrlResult = { ok: true; target: BrokerTarget } | { ok: false; message: string; messageVi: string };

const shape = /^(mqtts?|tcp|tls|wss?):\/\/([^/?#]*)/;
/** Dot-separated labels of letters, digits, '_' and '-' (an optional trailing dot): no '.', '-' or 'a..b' alone. */
const hostName = /^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)*\.?$/;

function refuse(message: string, messageVi: string): BrokerUrlResult {
  return { ok: false, message, messageVi };
}

export function parseBrokerUrl(url: string): BrokerUrlResult {
  if (!/^[\x21-\x7e]*$/.test(url) || url.includes('\\')) {
    return refuse('contains a space, a backslash, a control or a non-ASCII character: write the plain URL, e.g. mqtts://broker.example:8883', 'có dấu cách, dấu \\, ký tự điều khiển hoặc ký tự ngoài ASCII: ghi URL thuần, ví dụ mqtts://broker.example:8883');
  }
  const match = shape.exec(url);
  if (!match) return refuse('is not an MQTT URL such as mqtts://broker.example:8883', 'không phải URL MQTT, ví dụ mqtts://broker.example:8883');
  const [, protocol, authority] = match as unknown as [string, BrokerProtocol, string];
  if (authority.includes('@')) {
    return refuse('holds a user name or password ("@" before the host): put them in mqtt.username and mqtt.passwordFile', 'chứa tên người dùng hoặc mật khẩu ("@" trước máy chủ): đặt chúng vào mqtt.username và mqtt.passwordFile');
  }
  if (authority.includes('%')) return refuse('has a percent escape in the host: write the host name plainly', 'có mã "%" trong tên máy chủ: ghi tên máy chủ trực tiếp');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return refuse('does not parse as a URL (check the host and the port, 1-65535)', 'không đọc được như một URL (kiểm tra máy chủ và cổng, 1-65535)');
  }
  const host = bareHost(parsed.hostname.toLowerCase());
  if (host === undefined) return refuse('has no usable host: give a host name, an IPv4 address or an IPv6 address in [ ]', 'không có máy chủ hợp lệ: ghi tên máy, địa chỉ IPv4 hoặc địa chỉ IPv6 trong [ ]');
  // Port 0 in a URL reads as "none" to mqtt.js, which would quietly connect to its default port instead.
  if (parsed.port === '0') return refuse('has port 0: give the broker port, 1-65535', 'có cổng 0: ghi cổng của broker, 1-65535');
  const ws = protocol === 'ws' || protocol === 'wss';
  return {
    ok: true,
    target: { protocol, host, ...(parsed.port ? { port: Number(parsed.port) } : {}), path: ws ? `${parsed.pathname || '/'}${parsed.search}` : '' },
  };
}

function bareHost(hostname: string): string | undefined {
  const inner = /^\[(.*)\]$/.exec(hostname)?.[1];
  if (inner !== undefined) return isIP(inner) === 6 ? inner : undefined;
  return hostName.test(hostname) ? hostname : undefined;
}
