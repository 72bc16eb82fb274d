// Fields inside messages and tools that Anthropic, Bedrock and Gemini have no place for: a
// participant `name` on a message, an image's `detail` other than auto, and `strict` on a
// function tool (none of the three guarantees tool arguments that match the schema). The
// translators leave them out, so each is reported (rejected or dropped by the route's policy)
// rather than ignored. Runs before structural validation: malformed shapes are skipped here and
// refused by the translator itself.
import type { UnsupportedParameters } from './unsupported';

// Not openai-chat's obj(): that module calls this one, and a cycle is not worth one line.
function obj(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

export function checkNestedParameters(
  body: Record<string, unknown>,
  backend: string,
  unsupported: UnsupportedParameters,
): void {
  const reason = `not supported by ${backend}`;
  const messages = Array.isArray(body.messages) ? (body.messages as unknown[]) : [];
  messages.forEach((m, i) => {
    const msg = obj(m);
    if (typeof msg?.name === 'string' && msg.name !== '')
      unsupported.unsupported(`messages[${i}].name`, reason);
    const parts = Array.isArray(msg?.content) ? (msg.content as unknown[]) : [];
    parts.forEach((p, j) => {
      const detail = obj(obj(p)?.image_url)?.detail;
      if (detail !== undefined && detail !== null && detail !== 'auto')
        unsupported.unsupported(`messages[${i}].content[${j}].image_url.detail`, reason);
    });
  });
  const tools = Array.isArray(body.tools) ? (body.tools as unknown[]) : [];
  tools.forEach((t, i) => {
    if (obj(obj(t)?.function)?.strict === true)
      unsupported.unsupported(`tools[${i}].function.strict`, reason);
  });
}
