// The version of a ProcessorConfig document is a hash of its content, computed the same way by
// the controller (which serves it) and by loadProcessorConfigFile (local runs and tests), so
// the same document always has the same version whatever the key order it was written in.
import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level; arrays keep their order (it is meaningful). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/** A short content hash (sha256, 16 hex digits): plenty to tell versions apart. */
export function contentVersion(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex').slice(0, 16);
}

/** The version of a ProcessorConfig document. */
export function processorConfigVersion(doc: unknown): string {
  return contentVersion(canonicalJson(doc));
}
