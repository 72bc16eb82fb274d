// Encodes xDS resources to protobuf bytes without redoing the work for content that did not
// change since the last snapshot. At 10,000 AIRoutes one RouteConfiguration holds 10,000 routes
// and protobufjs fromObject+encode of it costs hundreds of milliseconds, so a message with a
// long repeated message field (virtual_hosts, routes, ...) is encoded field by field: each
// element on its own (memoized by its JSON text), framed as protobufjs frames a sub-message
// (tag, length, bytes). protobufjs writes fields in field-number order and a sub-message as
// exactly that framing, so the concatenation is byte-for-byte what encoding the whole object
// gives (memo-encoder.test.ts checks this).
//
// Memo keys are JSON.stringify texts: the same text means the same fields and values, hence
// the same bytes. What JSON cannot tell apart (NaN or Infinity vs null, -0 vs 0, Map/Set) does
// not occur in rendered xDS objects; a value JSON cannot print (BigInt) is simply not memoized.
import protobuf from 'protobufjs';
import { xdsRoot, type ProtoObject } from '../../lib/protos';

/** Repeated message fields at least this long are encoded element by element. */
const CHUNK_MIN = 32;

/** Bytes of earlier content, by message type, then by the content's JSON text. */
export type EncodingMemo = Map<protobuf.Type, Map<string, Buffer>>;

const types = new Map<string, protobuf.Type>();

/** The message type a type URL names (Root.lookup walks every namespace, so cache it). */
export function messageTypeOf(typeUrl: string): protobuf.Type {
  let type = types.get(typeUrl);
  if (!type) {
    type = xdsRoot().lookupType(typeUrl.slice(typeUrl.lastIndexOf('/') + 1));
    types.set(typeUrl, type);
  }
  return type;
}

const fieldsById = new Map<protobuf.Type, protobuf.Field[]>();

function sortedFields(type: protobuf.Type): protobuf.Field[] {
  let fields = fieldsById.get(type);
  if (!fields) {
    fields = [...type.fieldsArray].sort((a, b) => a.id - b.id);
    fieldsById.set(type, fields);
  }
  return fields;
}

/**
 * The element type of a repeated sub-message field to split: a long one, or one holding an
 * element that itself has such a field (the one virtual host of a RouteConfiguration with
 * 10,000 routes). Never types protobufjs converts itself (Any).
 */
function elementType(field: protobuf.Field, value: unknown): protobuf.Type | undefined {
  if (!field.repeated || field.map || !Array.isArray(value) || value.length === 0) return undefined;
  const resolved = field.resolve().resolvedType;
  if (!(resolved instanceof protobuf.Type) || protobuf.wrappers[resolved.fullName]) return undefined;
  if (value.length >= CHUNK_MIN) return resolved;
  return value.some((item) => isMessageObject(item) && needsSplit(resolved, item)) ? resolved : undefined;
}

function needsSplit(type: protobuf.Type, object: ProtoObject): boolean {
  return sortedFields(type).some((f) => elementType(f, object[f.name]) !== undefined);
}

function isMessageObject(value: unknown): value is ProtoObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * One encoding pass over a set of resources: reads the memo of the previous pass and collects
 * the entries this pass used, which become the next pass's memo (so the memo never outgrows
 * the live content). Throws protobufjs's error for content that does not fit its type.
 */
export class MemoEncoder {
  readonly used: EncodingMemo = new Map();
  hits = 0;
  misses = 0;

  constructor(private readonly previous: EncodingMemo | undefined) {}

  encode(typeUrl: string, object: ProtoObject): Buffer {
    const parts: Buffer[] = [];
    this.encodeInto(messageTypeOf(typeUrl), object, parts);
    const [only] = parts;
    return parts.length === 1 && only ? only : Buffer.concat(parts);
  }

  private encodeInto(type: protobuf.Type, object: ProtoObject, parts: Buffer[]): void {
    const fields = sortedFields(type);
    if (!needsSplit(type, object)) {
      parts.push(this.leaf(type, object));
      return;
    }
    let pending: ProtoObject = {};
    let pendingFields = 0;
    const flush = (): void => {
      if (pendingFields > 0) parts.push(this.leaf(type, pending));
      pending = {};
      pendingFields = 0;
    };
    for (const field of fields) {
      const value = object[field.name];
      if (value === undefined || value === null) continue;
      const element = elementType(field, value);
      if (!element) {
        pending[field.name] = value;
        pendingFields++;
        continue;
      }
      flush();
      for (const item of value as unknown[]) {
        if (!isMessageObject(item)) throw new TypeError(`${type.fullName}.${field.name}: object expected`);
        const itemParts: Buffer[] = [];
        this.encodeInto(element, item, itemParts);
        let length = 0;
        for (const p of itemParts) length += p.length;
        parts.push(frame(field.id, length), ...itemParts);
      }
    }
    flush();
  }

  /** protobufjs's own encoding of a (small) message, memoized by its JSON text. */
  private leaf(type: protobuf.Type, object: ProtoObject): Buffer {
    let json: string | undefined;
    try {
      json = JSON.stringify(object);
    } catch {
      json = undefined;
    }
    let used = this.used.get(type);
    if (json !== undefined) {
      const hit = this.previous?.get(type)?.get(json) ?? used?.get(json);
      if (hit) {
        this.hits++;
        if (!used) this.used.set(type, (used = new Map()));
        used.set(json, hit);
        return hit;
      }
    }
    this.misses++;
    const bytes = asBuffer(type.encode(type.fromObject(object)).finish());
    if (json !== undefined) {
      if (!used) this.used.set(type, (used = new Map()));
      used.set(json, bytes);
    }
    return bytes;
  }
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The key and length prefix of a length-delimited field (wire type 2), as protobufjs writes it. */
function frame(fieldId: number, length: number): Buffer {
  const out: number[] = [];
  varint(((fieldId << 3) | 2) >>> 0, out);
  varint(length, out);
  return Buffer.from(out);
}

function varint(value: number, out: number[]): void {
  let v = value;
  while (v > 127) {
    out.push((v & 127) | 128);
    v >>>= 7;
  }
  out.push(v);
}
