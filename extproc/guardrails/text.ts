// Finds the strings of an OpenAI request body that guardrails check, and rewrites exactly
// those strings in place: chat messages (string content and text content parts), tool-call
// arguments, tool results (role "tool"), `prompt` (completions), `input` (embeddings and the
// Responses API, incl. its message items and function_call_output) and `instructions`.
// Token-id arrays, images and audio are not text and are left alone.

export interface TextRef {
  text: string;
  /** The author: a chat role, or "prompt"/"input" for completions, embeddings and responses. */
  role: string;
  /** Where it sits: message content, tool-call arguments, or a tool's output. */
  kind: 'content' | 'tool_arguments' | 'tool_result';
  set(value: string): void;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Roles whose text the application wrote: injection and topic checks do not read them. */
export function isInstructionRole(role: string): boolean {
  return role === 'system' || role === 'developer' || role === 'instructions';
}

function field(
  out: TextRef[],
  holder: Obj | unknown[],
  key: string | number,
  role: string,
  kind: TextRef['kind'],
): void {
  const value = (holder as Record<string | number, unknown>)[key];
  if (typeof value !== 'string' || value.length === 0) return;
  out.push({
    text: value,
    role,
    kind,
    set(v) {
      (holder as Record<string | number, unknown>)[key] = v;
      this.text = v;
    },
  });
}

/** Message content: a string, or an array of parts of which text parts carry `text`. */
function content(out: TextRef[], holder: Obj, role: string, kind: TextRef['kind']): void {
  const c = holder.content;
  if (typeof c === 'string') field(out, holder, 'content', role, kind);
  else if (Array.isArray(c)) {
    for (const part of c) {
      if (typeof part === 'string') continue;
      if (isObj(part) && typeof part.text === 'string') field(out, part, 'text', role, kind);
      // Anthropic-style tool_result parts nested in user content.
      else if (isObj(part) && part.type === 'tool_result') content(out, part, role, 'tool_result');
    }
  }
}

function toolCalls(out: TextRef[], calls: unknown, role: string): void {
  if (!Array.isArray(calls)) return;
  for (const call of calls) {
    if (isObj(call) && isObj(call.function)) field(out, call.function, 'arguments', role, 'tool_arguments');
  }
}

function message(out: TextRef[], m: Obj, fallbackRole: string): void {
  const role = typeof m.role === 'string' ? m.role : fallbackRole;
  const type = m.type;
  if (type === 'function_call_output') field(out, m, 'output', 'tool', 'tool_result');
  else if (type === 'function_call') field(out, m, 'arguments', role, 'tool_arguments');
  else content(out, m, role, role === 'tool' || role === 'function' ? 'tool_result' : 'content');
  toolCalls(out, m.tool_calls, role);
}

/** Every checkable string of the request body, in document order. */
export function requestTexts(body: Obj): TextRef[] {
  const out: TextRef[] = [];
  if (Array.isArray(body.messages)) for (const m of body.messages) if (isObj(m)) message(out, m, 'user');
  field(out, body, 'instructions', 'instructions', 'content');
  for (const key of ['prompt', 'input'] as const) {
    const v = body[key];
    if (typeof v === 'string') field(out, body, key, key, 'content');
    else if (Array.isArray(v)) {
      v.forEach((item, i) => {
        if (typeof item === 'string') field(out, v, i, key, 'content');
        else if (isObj(item)) message(out, item, 'user');
      });
    }
  }
  return out;
}

/** Number of messages (chat) or input items (Responses API) in the request. */
export function messageCount(body: Obj): number {
  if (Array.isArray(body.messages)) return body.messages.length;
  if (Array.isArray(body.input)) return body.input.length;
  return body.input !== undefined || body.prompt !== undefined ? 1 : 0;
}

/** The completion strings of a chat.completion / text_completion JSON response. */
export function responseTexts(body: Obj): TextRef[] {
  const out: TextRef[] = [];
  if (!Array.isArray(body.choices)) return out;
  for (const choice of body.choices) {
    if (!isObj(choice)) continue;
    if (isObj(choice.message)) message(out, choice.message, 'assistant');
    else field(out, choice, 'text', 'assistant', 'content');
  }
  return out;
}
