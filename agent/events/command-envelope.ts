/**
 * What arrives on `cmd/<name>` is untrusted: anyone the broker lets publish there can send anything. This
 * module turns a payload into a request or an error reply (never an exception), and picks the reply topic
 * so a sender cannot make the device publish outside its own command replies.
 */
import { z } from 'zod';
import type { CommandReply } from './commands.ts';

/** Far above any real request (a few hundred bytes); bigger is refused before it is parsed. */
export const MAX_COMMAND_BYTES = 64 * 1024;

const envelope = z
  .object({
    id: z.string().min(1).max(200).optional(),
    args: z.unknown().optional(),
  })
  .strict();

export type ParsedCommand = { ok: true; id?: string; args: unknown } | { ok: false; id?: string; reply: CommandReply };

/** An empty payload is `{}`: a command with no id and no args. */
export function parseCommandPayload(payload: Buffer): ParsedCommand {
  if (payload.length > MAX_COMMAND_BYTES) return refuse(`The command payload is ${payload.length} bytes; at most ${MAX_COMMAND_BYTES} are accepted`);
  let json: unknown = {};
  if (payload.length) {
    try {
      json = JSON.parse(payload.toString('utf8'));
    } catch {
      return refuse('The command payload is not JSON: send {"id"?: string, "args"?: {...}}');
    }
  }
  const parsed = envelope.safeParse(json);
  // Echo a usable id even on a bad envelope, so the requester can match the error to its request.
  const id = json && typeof json === 'object' && typeof (json as { id?: unknown }).id === 'string' ? ((json as { id: string }).id.slice(0, 200) || undefined) : undefined;
  if (!parsed.success) return refuse(`The command payload must be a JSON object {"id"?: string, "args"?: {...}}: ${describeIssues(parsed.error)}`, id);
  return { ok: true, ...(parsed.data.id ? { id: parsed.data.id } : {}), args: parsed.data.args };
}

/** `path: message; …` for a zod error, short enough for a reply. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

/**
 * The topic to answer a command on. An MQTT 5 responseTopic is honoured only under this command's own
 * reply topic (`<prefix>cmd/<name>/reply` or below it): any other would let the sender make the device
 * publish wherever its ACL allows (its event topic, its status, its own command topics).
 */
export function replyTopicFor(prefix: string, name: string, responseTopic: string | undefined): { topic: string; requested: 'none' | 'accepted' | 'refused' } {
  const fallback = `${prefix}cmd/${name}/reply`;
  if (responseTopic === undefined) return { topic: fallback, requested: 'none' };
  const inside = responseTopic === fallback || (responseTopic.startsWith(`${fallback}/`) && responseTopic.length > fallback.length + 1);
  // Wildcards and NUL are not valid in a topic name; refuse them rather than hand them to the client.
  const valid = inside && responseTopic.length <= 512 && !/[+#\0]/.test(responseTopic);
  return valid ? { topic: responseTopic, requested: 'accepted' } : { topic: fallback, requested: 'refused' };
}

function refuse(message: string, id?: string): ParsedCommand {
  return { ok: false, ...(id ? { id } : {}), reply: { ok: false, error: { code: 'MALFORMED_DATA', message } } };
}
