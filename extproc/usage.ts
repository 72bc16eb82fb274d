// Token usage as the providers report it, normalised: Chat/Completions/Embeddings say
// prompt_tokens/completion_tokens (+ *_details), the Responses API says input_tokens/
// output_tokens (+ *_details), and a Responses stream nests it under `response`.
export interface Usage {
  input: number;
  output: number;
  cached: number;
  reasoning: number;
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0;
}

function obj(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** Reads a `usage` object in either naming scheme; undefined when there is none. */
export function normalizeUsage(value: unknown): Usage | undefined {
  const u = obj(value);
  if (!u) return undefined;
  const inputDetails = obj(u.prompt_tokens_details) ?? obj(u.input_tokens_details);
  const outputDetails = obj(u.completion_tokens_details) ?? obj(u.output_tokens_details);
  return {
    input: num(u.prompt_tokens ?? u.input_tokens),
    output: num(u.completion_tokens ?? u.output_tokens),
    cached: num(inputDetails?.cached_tokens),
    reasoning: num(outputDetails?.reasoning_tokens),
  };
}

/** Usage and model of a parsed response document (a JSON body or one SSE event's data). */
export function usageOfDocument(doc: unknown): { usage?: Usage; model?: string } {
  const o = obj(doc);
  if (!o) return {};
  const nested = obj(o.response); // Responses API stream events: { type, response: { usage } }
  const usage = normalizeUsage(o.usage) ?? normalizeUsage(nested?.usage);
  const model =
    typeof o.model === 'string' ? o.model : typeof nested?.model === 'string' ? nested.model : undefined;
  return { usage, model };
}

/** Usage of a complete non-streaming JSON response body; {} if the body is not JSON. */
export function usageOfJsonBody(body: Buffer): { usage?: Usage; model?: string; doc?: unknown } {
  try {
    const doc: unknown = JSON.parse(body.toString('utf8'));
    return { ...usageOfDocument(doc), doc };
  } catch {
    return {};
  }
}

/** The generated text of a non-streaming response (for the tokenizer fallback). */
export function completionText(doc: unknown): string {
  const o = obj(doc);
  if (!o) return '';
  const parts: string[] = [];
  if (Array.isArray(o.choices)) {
    for (const c of o.choices as unknown[]) {
      const choice = obj(c);
      const content = obj(choice?.message)?.content;
      if (typeof content === 'string') parts.push(content);
      else if (typeof choice?.text === 'string') parts.push(choice.text);
    }
  }
  if (typeof o.output_text === 'string') parts.push(o.output_text);
  if (Array.isArray(o.output)) {
    for (const item of o.output as unknown[]) {
      const content = obj(item)?.content;
      if (!Array.isArray(content)) continue;
      for (const part of content as unknown[]) {
        const text = obj(part)?.text;
        if (typeof text === 'string') parts.push(text);
      }
    }
  }
  return parts.join('\n');
}

/**
 * Usage from the tail of a JSON body too large to keep whole: the last `"usage": {...}` object
 * (OpenAI puts usage last), found by matching braces outside strings.
 */
export function usageFromTail(tail: string): Usage | undefined {
  const at = tail.lastIndexOf('"usage"');
  if (at === -1) return undefined;
  const start = tail.indexOf('{', at);
  if (start === -1) return undefined;
  let depth = 0;
  let inString = false;
  for (let i = start; i < tail.length; i++) {
    const c = tail[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) {
      try {
        return normalizeUsage(JSON.parse(tail.slice(start, i + 1)));
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
