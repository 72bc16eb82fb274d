// Request parsing for the fake API server: which resource a URL addresses (core /api/v1 and
// named groups /apis/GROUP/VERSION, namespaced or cluster-scoped, with subresources), and
// request bodies, with the errors a real server would answer bad input with.
import type http from 'node:http';
import type { KubeObject } from './selectors';
import { ApiStatusError, type ResourceRef } from './store';

export interface Target {
  ref: ResourceRef;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
}

/** Parses /api/v1/... and /apis/GROUP/VERSION/... into what is addressed. */
export function parseTarget(pathname: string): Target | undefined {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  let ref: Omit<ResourceRef, 'plural'>;
  let rest: string[];
  if (parts[0] === 'api' && parts[1]) [ref, rest] = [{ group: '', version: parts[1] }, parts.slice(2)];
  else if (parts[0] === 'apis' && parts[1] && parts[2])
    [ref, rest] = [{ group: parts[1], version: parts[2] }, parts.slice(3)];
  else return undefined;
  const namespaced =
    rest[0] === 'namespaces' &&
    rest.length >= 3 &&
    !(rest.length === 3 && ['status', 'finalize'].includes(rest[2] ?? ''));
  const [namespace, plural, name, subresource] = namespaced ? rest.slice(1) : [undefined, ...rest];
  if (!plural || rest.length > (namespaced ? 5 : 3)) return undefined;
  return { ref: { ...ref, plural }, namespace, name, subresource };
}

export async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw new ApiStatusError(400, 'BadRequest', 'the request body is not valid JSON');
  }
}

export function validObject(value: unknown, namespace: string | undefined): KubeObject {
  const meta = (value as { metadata?: unknown } | null)?.metadata;
  if (typeof value !== 'object' || value === null || typeof meta !== 'object' || meta === null)
    throw new ApiStatusError(422, 'Invalid', 'metadata: Required value');
  const obj = value as KubeObject;
  if (obj.metadata.namespace !== undefined && namespace !== undefined && obj.metadata.namespace !== namespace)
    throw new ApiStatusError(
      400,
      'BadRequest',
      'the namespace of the object does not match the namespace on the URL',
    );
  return obj;
}

export function parseObject(raw: string, namespace: string | undefined): KubeObject {
  return validObject(parseJson(raw), namespace);
}
