// A small flag parser for the CLI: `--name value`, `--name=value`, repeated flags, booleans and
// `-f` as an alias. Unknown flags are an error, so a typo never silently changes behaviour.
export interface FlagSpec {
  [name: string]: { type: 'string' | 'boolean' | 'list'; alias?: string; default?: string };
}

export type Flags = Record<string, string | boolean | string[] | undefined>;

export function parseFlags(argv: string[], spec: FlagSpec): Flags {
  const out: Flags = {};
  for (const [name, s] of Object.entries(spec)) {
    if (s.type === 'list') out[name] = [];
    else if (s.default !== undefined) out[name] = s.default;
  }
  const byAlias = new Map(Object.entries(spec).flatMap(([n, s]) => (s.alias ? [[s.alias, n] as const] : [])));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const m = /^--?([^=]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw new Error(`unexpected argument ${arg}`);
    const key = m[1] as string;
    const name = spec[key] ? key : byAlias.get(key);
    const s = name ? spec[name] : undefined;
    if (!name || !s) throw new Error(`unknown flag ${arg}`);
    if (s.type === 'boolean') {
      out[name] = m[2] === undefined ? true : m[2] !== 'false';
      continue;
    }
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new Error(`flag --${name} needs a value`);
    if (s.type === 'list') (out[name] as string[]).push(value);
    else out[name] = value;
  }
  return out;
}

export function stringFlag(flags: Flags, name: string): string | undefined {
  const v = flags[name];
  return typeof v === 'string' ? v : undefined;
}

export function requireFlag(flags: Flags, name: string): string {
  const v = stringFlag(flags, name);
  if (v === undefined) throw new Error(`--${name} is required`);
  return v;
}

/** Parses "unix:/path" or "host:port" / "tcp:host:port" into an ExtprocTarget-like address. */
export function parseAddress(
  value: string,
): { kind: 'uds'; path: string } | { kind: 'tcp'; address: string; port: number } {
  if (value.startsWith('unix:')) return { kind: 'uds', path: value.slice(5) };
  const rest = value.startsWith('tcp:') ? value.slice(4) : value;
  const idx = rest.lastIndexOf(':');
  const port = Number(rest.slice(idx + 1));
  if (idx < 0 || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`bad address ${value}: want host:port or unix:/path`);
  return { kind: 'tcp', address: rest.slice(0, idx) || '127.0.0.1', port };
}
