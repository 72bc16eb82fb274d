// The PATCH flavours the fake API server accepts: JSON merge patch (RFC 7386; the server also
// takes strategic-merge-patch bodies this way, which is exact for the maps Tollgate patches) and
// JSON patch (RFC 6902). A failed JSON patch "test" or a bad path is a 422, as on a real server.

export class PatchError extends Error {}

type Json = unknown;

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  const out: Record<string, Json> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

interface Operation {
  op: string;
  path: string;
  value?: Json;
  from?: string;
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new PatchError(`invalid JSON pointer ${JSON.stringify(pointer)}`);
  return pointer
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: Json, tokens: string[]): { parent: Record<string, Json> | Json[]; key: string } {
  let cur = doc;
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(token)];
    else if (isObject(cur)) cur = cur[token];
    else cur = undefined;
    if (cur === undefined) throw new PatchError(`path not found: /${tokens.join('/')}`);
  }
  if (!Array.isArray(cur) && !isObject(cur)) throw new PatchError(`path not found: /${tokens.join('/')}`);
  return { parent: cur, key: tokens[tokens.length - 1] ?? '' };
}

function read(doc: Json, pointer: string): Json {
  let cur = doc;
  for (const token of parsePointer(pointer)) {
    cur = Array.isArray(cur) ? cur[Number(token)] : isObject(cur) ? cur[token] : undefined;
    if (cur === undefined) throw new PatchError(`path not found: ${pointer}`);
  }
  return cur;
}

function remove(doc: Json, pointer: string): Json {
  const { parent, key } = parentOf(doc, parsePointer(pointer));
  if (Array.isArray(parent)) {
    const index = Number(key);
    if (!(index >= 0 && index < parent.length)) throw new PatchError(`path not found: ${pointer}`);
    return parent.splice(index, 1)[0];
  }
  if (!(key in parent)) throw new PatchError(`path not found: ${pointer}`);
  const old = parent[key];
  delete parent[key];
  return old;
}

function add(doc: Json, pointer: string, value: Json, replace: boolean): Json {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return structuredClone(value);
  const { parent, key } = parentOf(doc, tokens);
  if (Array.isArray(parent)) {
    const index = key === '-' ? parent.length : Number(key);
    if (!(index >= 0 && index <= parent.length)) throw new PatchError(`index out of range: ${pointer}`);
    if (replace) parent[index] = structuredClone(value);
    else parent.splice(index, 0, structuredClone(value));
  } else {
    if (replace && !(key in parent)) throw new PatchError(`path not found: ${pointer}`);
    parent[key] = structuredClone(value);
  }
  return doc;
}

export function jsonPatch(target: Json, operations: Json): Json {
  if (!Array.isArray(operations)) throw new PatchError('a JSON patch must be an array of operations');
  let doc = structuredClone(target);
  for (const raw of operations as Operation[]) {
    switch (raw.op) {
      case 'add':
        doc = add(doc, raw.path, raw.value, false);
        break;
      case 'replace':
        doc = add(doc, raw.path, raw.value, true);
        break;
      case 'remove':
        remove(doc, raw.path);
        break;
      case 'move':
        doc = add(doc, raw.path, remove(doc, raw.from ?? ''), false);
        break;
      case 'copy':
        doc = add(doc, raw.path, read(doc, raw.from ?? ''), false);
        break;
      case 'test':
        if (JSON.stringify(read(doc, raw.path)) !== JSON.stringify(raw.value))
          throw new PatchError(`test failed at ${raw.path}`);
        break;
      default:
        throw new PatchError(`unknown JSON patch op ${JSON.stringify(raw.op)}`);
    }
  }
  return doc;
}
