// Reads the AIBackend key of the endpoint the load balancer chose, from the ext_proc request
// attribute xds.upstream_host_metadata (docs/architecture.md). Envoy evaluates attributes with
// CEL and puts them in ProcessingRequest.attributes["envoy.filters.http.ext_proc"], a Struct;
// a message-typed attribute like this Metadata arrives as its protobuf text format in a string
// value. We also accept the Metadata as a struct value or JSON string, the shapes other
// implementations (and our data plane) may send.
import { FILTER, METADATA_NAMESPACE, UPSTREAM_HOST_METADATA_ATTRIBUTE } from '../lib/headers';
import type { ProcessingRequest } from './messages';

type StructLike = { fields?: Record<string, ValueLike> };
type ValueLike = Record<string, unknown>;

function field(value: ValueLike | undefined, snake: string, camel: string): unknown {
  return value?.[snake] ?? value?.[camel];
}

/** The backend key ("ns/name"), or undefined when the attribute is absent or has no key. */
export function upstreamBackendKey(req: ProcessingRequest): string | undefined {
  const attrs = req.attributes?.[FILTER.extProc] as StructLike | undefined;
  const value = attrs?.fields?.[UPSTREAM_HOST_METADATA_ATTRIBUTE];
  if (!value) return undefined;
  const struct = field(value, 'struct_value', 'structValue') as StructLike | undefined;
  if (struct) return fromStruct(struct);
  const text = field(value, 'string_value', 'stringValue');
  if (typeof text !== 'string') return undefined;
  if (text.trimStart().startsWith('{')) {
    try {
      // Either plain JSON ({ tollgate: { backend } }) or a Struct in object form ({ fields }).
      const json = JSON.parse(text) as {
        filter_metadata?: Record<string, StructLike & { backend?: unknown }>;
      };
      const ns = json.filter_metadata?.[METADATA_NAMESPACE];
      const backend = ns?.backend ?? field(ns?.fields?.backend, 'string_value', 'stringValue');
      return typeof backend === 'string' ? backend : undefined;
    } catch {
      return undefined;
    }
  }
  return fromTextFormat(text);
}

/** Metadata as a Struct: { filter_metadata: { tollgate: { backend } } }. */
function fromStruct(struct: StructLike): string | undefined {
  const fm = field(struct.fields?.filter_metadata, 'struct_value', 'structValue') as StructLike | undefined;
  const ns = field(fm?.fields?.[METADATA_NAMESPACE], 'struct_value', 'structValue') as StructLike | undefined;
  const backend = field(ns?.fields?.backend, 'string_value', 'stringValue');
  return typeof backend === 'string' ? backend : undefined;
}

type TextNode = Map<string, Array<string | TextNode>>;

/** Metadata in protobuf text format: filter_metadata { key: "tollgate" value { fields { ... } } }. */
export function fromTextFormat(text: string): string | undefined {
  let root: TextNode;
  try {
    root = parseText(text);
  } catch {
    return undefined;
  }
  for (const entry of nodes(root, 'filter_metadata')) {
    if (scalar(entry, 'key') !== METADATA_NAMESPACE) continue;
    for (const value of nodes(entry, 'value')) {
      for (const f of nodes(value, 'fields')) {
        if (scalar(f, 'key') !== 'backend') continue;
        for (const v of nodes(f, 'value')) {
          const s = scalar(v, 'string_value');
          if (s !== undefined) return s;
        }
      }
    }
  }
  return undefined;
}

function nodes(node: TextNode, name: string): TextNode[] {
  return (node.get(name) ?? []).filter((v): v is TextNode => typeof v !== 'string');
}

function scalar(node: TextNode, name: string): string | undefined {
  return (node.get(name) ?? []).find((v): v is string => typeof v === 'string');
}

const TOKEN = /\s*(?:([A-Za-z_][\w.]*)|("(?:[^"\\]|\\.)*")|('(?:[^'\\]|\\.)*')|([{}:<>])|([^\s{}:<>"']+))/y;

function parseText(text: string): TextNode {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    const m = TOKEN.exec(text);
    if (!m) break;
    const tok = m[1] ?? m[2] ?? m[3] ?? m[4] ?? m[5];
    if (tok !== undefined) tokens.push(tok);
  }
  let i = 0;
  const parseBlock = (close: string | undefined): TextNode => {
    const node: TextNode = new Map();
    while (i < tokens.length) {
      const name = tokens[i++] as string;
      if (name === close) return node;
      if (tokens[i] === ':') i++;
      const next = tokens[i];
      let value: string | TextNode;
      if (next === '{' || next === '<') {
        i++;
        value = parseBlock(next === '{' ? '}' : '>');
      } else {
        i++;
        value = next !== undefined && /^["']/.test(next) ? unquote(next) : (next ?? '');
      }
      const list = node.get(name) ?? [];
      list.push(value);
      node.set(name, list);
    }
    return node;
  };
  return parseBlock(undefined);
}

function unquote(token: string): string {
  return token.slice(1, -1).replace(/\\(.)/g, (_m, c: string) => ({ n: '\n', t: '\t', r: '\r' })[c] ?? c);
}
