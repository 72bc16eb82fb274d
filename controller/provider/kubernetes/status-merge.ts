// How a status update combines with the stored status when two writers share one object: for an
// AIBudget, translate() owns `.status.conditions` and the usage writer (controller/budgets/) owns
// `.status.usage`. Each PUTs the whole status, so each must carry over what the other wrote:
// - an update without `fields` owns the whole status except the fields SEPARATELY_WRITTEN for
//   its kind, which are kept as stored;
// - an update with `fields` owns only those top-level fields (absent in the update = removed)
//   and keeps everything else as stored.
// A field whose only difference is its `updatedAt` timestamp keeps the stored one (so a steady
// value is not rewritten every pass) until that timestamp is `refreshAfterMs` old.
import { isDeepStrictEqual } from 'node:util';
import type { Kind } from '../../api';

type Json = unknown;

/** Top-level status fields written by another writer than translate(), per kind. */
export const SEPARATELY_WRITTEN: Partial<Record<Kind, readonly string[]>> = { AIBudget: ['usage'] };

export interface MergeableUpdate {
  status: unknown;
  /** The top-level status fields this update owns; absent: all but SEPARATELY_WRITTEN. */
  fields?: readonly string[];
  /** An owned field differing only in `updatedAt` is rewritten once the stored one is this old. */
  refreshAfterMs?: number;
}

function isObject(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The status to write: `update` combined with what other writers own in `stored`. */
export function mergeStatus(kind: Kind, stored: Json, update: MergeableUpdate): Json {
  const before = isObject(stored) ? stored : {};
  if (update.fields === undefined) {
    if (!isObject(update.status)) return update.status;
    const out: Record<string, Json> = { ...update.status };
    for (const field of SEPARATELY_WRITTEN[kind] ?? [])
      if (out[field] === undefined && before[field] !== undefined) out[field] = before[field];
    return out;
  }
  const wanted = isObject(update.status) ? update.status : {};
  const out: Record<string, Json> = { ...before };
  for (const field of update.fields) {
    if (wanted[field] === undefined) delete out[field];
    else out[field] = carryUpdatedAt(wanted[field], before[field], update.refreshAfterMs);
  }
  return out;
}

/** `stored` when it equals `wanted` but for a younger-than-refreshAfterMs `updatedAt`. */
export function carryUpdatedAt(wanted: Json, stored: Json, refreshAfterMs?: number): Json {
  if (!isObject(wanted) || !isObject(stored)) return wanted;
  const { updatedAt: wantedAt, ...wantedRest } = wanted;
  const { updatedAt: storedAt, ...storedRest } = stored;
  if (typeof wantedAt !== 'string' || typeof storedAt !== 'string') return wanted;
  if (!isDeepStrictEqual(wantedRest, storedRest)) return wanted;
  const age = Date.parse(wantedAt) - Date.parse(storedAt);
  if (refreshAfterMs !== undefined && !(age < refreshAfterMs)) return wanted;
  return stored;
}
