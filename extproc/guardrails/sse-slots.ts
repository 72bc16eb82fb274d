// Where the text is in one streamed chunk: a choice's delta.content, a tool call's
// delta.tool_calls[].function.arguments, or a legacy completion's text, each with a key naming
// its stream ("c0", "t0.1", "x0") and a template that builds a chunk carrying only that text.
// Also: which choices a chunk finishes, and whether a chunk carries nothing but text.
import type { TextRef } from './text';

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface TextSlot {
  key: string;
  choice: number;
  kind: TextRef['kind'];
  text: string;
  set(v: string): void;
  /** A chunk that carries `text` alone, for flushing held text. */
  template(envelope: Obj, text: string): Obj;
}

export function slotsOf(doc: Obj): TextSlot[] {
  const out: TextSlot[] = [];
  if (!Array.isArray(doc.choices)) return out;
  doc.choices.forEach((c: unknown, pos) => {
    if (!isObj(c)) return;
    const choice = typeof c.index === 'number' ? c.index : pos;
    const delta = c.delta;
    if (isObj(delta) && typeof delta.content === 'string' && delta.content.length > 0) {
      out.push({
        key: `c${choice}`,
        choice,
        kind: 'content',
        text: delta.content,
        set: (v) => (delta.content = v),
        template: (env, text) => ({
          ...env,
          choices: [{ index: choice, delta: { content: text }, finish_reason: null }],
        }),
      });
    }
    if (isObj(delta) && Array.isArray(delta.tool_calls)) {
      delta.tool_calls.forEach((tc: unknown, j) => {
        if (!isObj(tc) || !isObj(tc.function) || typeof tc.function.arguments !== 'string') return;
        if (tc.function.arguments.length === 0) return;
        const fn = tc.function;
        const index = typeof tc.index === 'number' ? tc.index : j;
        out.push({
          key: `t${choice}.${index}`,
          choice,
          kind: 'tool_arguments',
          text: fn.arguments as string,
          set: (v) => (fn.arguments = v),
          template: (env, text) => ({
            ...env,
            choices: [
              {
                index: choice,
                delta: { tool_calls: [{ index, function: { arguments: text } }] },
                finish_reason: null,
              },
            ],
          }),
        });
      });
    }
    if (typeof c.text === 'string' && c.text.length > 0) {
      out.push({
        key: `x${choice}`,
        choice,
        kind: 'content',
        text: c.text,
        set: (v) => (c.text = v),
        template: (env, text) => ({ ...env, choices: [{ index: choice, text, finish_reason: null }] }),
      });
    }
  });
  return out;
}

const only = (o: Obj, keys: string[]): boolean =>
  Object.keys(o).every((k) => keys.includes(k) || o[k] === null);

/** A chunk whose only payload is text (so it can be dropped when all its text is held). */
export function bareText(doc: Obj): boolean {
  if (doc.usage != null || !Array.isArray(doc.choices) || doc.choices.length !== 1) return false;
  const c: unknown = doc.choices[0];
  if (!isObj(c) || !only(c, ['index', 'delta', 'text'])) return false;
  if (c.delta === undefined) return true;
  if (!isObj(c.delta) || !only(c.delta, ['content', 'tool_calls'])) return false;
  const calls = c.delta.tool_calls;
  return (
    calls == null ||
    (Array.isArray(calls) &&
      calls.every(
        (tc: unknown) =>
          isObj(tc) &&
          only(tc, ['index', 'function']) &&
          isObj(tc.function) &&
          only(tc.function, ['arguments']),
      ))
  );
}

export function finishedChoices(doc: Obj): number[] {
  if (!Array.isArray(doc.choices)) return [];
  return doc.choices.flatMap((c: unknown, pos) =>
    isObj(c) && c.finish_reason != null ? [typeof c.index === 'number' ? c.index : pos] : [],
  );
}
