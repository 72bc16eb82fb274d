// `tollgate keys create|list|revoke`: API keys for AIClientPolicy apiKeys. A key is printed once
// and only its SHA-256 is kept, in a Secret of type tollgate.dev/api-key (the format is in
// extproc/identity/keys.ts). With --dir (local mode) the Secret is a file DIR/apikey-NAME.yaml
// in the folder `tollgate run -f DIR` watches, so creating or deleting it takes effect live;
// without --dir, `create` prints the manifest for `kubectl apply -f -` and `revoke` prints the
// kubectl command. When the manifest goes to stdout the key goes to stderr, so a pipe into
// kubectl never swallows it; with --dir the key is the only thing on stdout.
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { readManifestFiles } from '../../controller/provider/files-load';
import {
  apiKeySecretYaml,
  generateApiKey,
  isRfc3339,
  isValidSecretName,
  parseApiKeySecret,
  sha256Hex,
  type ApiKeyRecord,
} from '../../extproc/identity/keys';
import { parseFlags, requireFlag, stringFlag } from '../args';

export interface KeysIO {
  out: (text: string) => void;
  err: (text: string) => void;
  nowMs: () => number;
}

const processIO: KeysIO = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  nowMs: () => Date.now(),
};

const USAGE = 'usage: tollgate keys create|list|revoke [options] (see --help)\n';
const HELP = `tollgate keys create --name N [--namespace default] [--tenant T] [--team T] [--user U]
                     [--expires 30d|12h|2w|2027-01-01T00:00:00Z] [--dir DIR]
tollgate keys list --dir DIR
tollgate keys revoke --name N [--namespace default] [--dir DIR]
`;

export async function run(argv: string[]): Promise<number> {
  return keysCommand(argv, processIO);
}

export function keysCommand(argv: string[], io: KeysIO): number {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'create':
      return create(rest, io);
    case 'list':
      return list(rest, io);
    case 'revoke':
      return revoke(rest, io);
    case 'help':
    case '--help':
    case '-h':
      io.out(HELP);
      return 0;
    case undefined:
    default:
      io.err(USAGE);
      return 2;
  }
}

export function keyFile(dir: string, name: string): string {
  return path.join(dir, `apikey-${name}.yaml`);
}

function create(argv: string[], io: KeysIO): number {
  const flags = parseFlags(argv, {
    name: { type: 'string' },
    namespace: { type: 'string', alias: 'n', default: 'default' },
    tenant: { type: 'string' },
    team: { type: 'string' },
    user: { type: 'string' },
    expires: { type: 'string' },
    dir: { type: 'string' },
  });
  const name = requireFlag(flags, 'name');
  if (!isValidSecretName(name))
    throw new Error(`--name ${name} is not a valid Secret name (lowercase DNS name)`);
  const dir = stringFlag(flags, 'dir');
  const expires = stringFlag(flags, 'expires');
  const key = generateApiKey();
  const record: ApiKeyRecord = {
    name,
    namespace: stringFlag(flags, 'namespace') ?? 'default',
    sha256: sha256Hex(key),
  };
  for (const field of ['tenant', 'team', 'user'] as const) {
    const value = stringFlag(flags, field);
    if (value !== undefined) record[field] = value;
  }
  if (expires !== undefined) record.expiresAt = expiryFrom(expires, io.nowMs());
  const manifest = apiKeySecretYaml(record);

  if (dir === undefined) {
    io.out(manifest);
    io.err(
      `API key ${record.namespace}/${name}: ${key}\nStore it now: it is not saved anywhere and will not be shown again.\n`,
    );
    return 0;
  }
  const file = keyFile(dir, name);
  fs.mkdirSync(dir, { recursive: true });
  try {
    fs.writeFileSync(file, manifest, { flag: 'wx', mode: 0o644 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST')
      throw new Error(`${file} already exists: revoke that key first or pick another --name`);
    throw err;
  }
  io.out(`${key}\n`);
  io.err(`wrote ${file}; the key above is not saved anywhere and will not be shown again\n`);
  return 0;
}

/** "30d", "12h", "2w", "90m" from now, or an RFC 3339 time; returned as RFC 3339 (UTC, seconds). */
export function expiryFrom(value: string, nowMs: number): string {
  const m = /^(\d+)([mhdw])$/.exec(value.trim());
  if (m) {
    const unitMs = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2] as 'm' | 'h' | 'd' | 'w'];
    const amount = Number(m[1]);
    if (amount <= 0) throw new Error(`--expires ${value}: must be in the future`);
    return new Date(nowMs + amount * unitMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  if (!isRfc3339(value))
    throw new Error(`--expires ${value}: want a duration (30d, 12h, 2w) or an RFC 3339 time`);
  if (Date.parse(value) <= nowMs) throw new Error(`--expires ${value}: must be in the future`);
  return value;
}

interface FoundKey {
  record: ApiKeyRecord;
  file: string;
}

/** Every API-key Secret under `dir`, with the file it is in; unusable ones are reported on stderr. */
export function findKeys(dir: string, io: Pick<KeysIO, 'err'>): FoundKey[] {
  const { files, errors } = readManifestFiles(dir);
  for (const e of errors) io.err(`${e}\n`);
  const found: FoundKey[] = [];
  for (const file of files) {
    for (const doc of YAML.parseAllDocuments(file.text)) {
      if (doc.errors.length > 0) continue; // not ours to report: `tollgate run` names the file and line
      const value: unknown = doc.toJS();
      const items =
        typeof value === 'object' && value !== null && Array.isArray((value as { items?: unknown }).items)
          ? (value as { items: unknown[] }).items
          : [value];
      for (const item of items) {
        const parsed = parseApiKeySecret(item);
        if (parsed && 'error' in parsed) io.err(`${file.path}: ${parsed.error}\n`);
        else if (parsed) found.push({ record: parsed.record, file: file.path });
      }
    }
  }
  return found;
}

function list(argv: string[], io: KeysIO): number {
  const dir = requireFlag(parseFlags(argv, { dir: { type: 'string' } }), 'dir');
  const now = io.nowMs();
  const header = ['NAMESPACE', 'NAME', 'TENANT', 'TEAM', 'USER', 'EXPIRES', 'SHA256'];
  const rows = [header];
  for (const { record } of findKeys(dir, io)) {
    const expired = record.expiresAt !== undefined && Date.parse(record.expiresAt) <= now;
    rows.push([
      record.namespace,
      record.name,
      record.tenant ?? '-',
      record.team ?? '-',
      record.user ?? '-',
      record.expiresAt === undefined ? 'never' : `${record.expiresAt}${expired ? ' (expired)' : ''}`,
      `${record.sha256.slice(0, 12)}...`,
    ]);
  }
  const widths = header.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  for (const row of rows)
    io.out(
      `${row
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd()}\n`,
    );
  return 0;
}

function revoke(argv: string[], io: KeysIO): number {
  const flags = parseFlags(argv, {
    name: { type: 'string' },
    namespace: { type: 'string', alias: 'n', default: 'default' },
    dir: { type: 'string' },
  });
  const name = requireFlag(flags, 'name');
  const namespace = stringFlag(flags, 'namespace') ?? 'default';
  const dir = stringFlag(flags, 'dir');
  if (dir === undefined) {
    io.out(`kubectl delete secret ${name} --namespace ${namespace}\n`);
    return 0;
  }
  const matches = findKeys(dir, io).filter((k) => k.record.name === name && k.record.namespace === namespace);
  const file = keyFile(dir, name);
  const ours = matches.find((k) => path.resolve(k.file) === path.resolve(file));
  if (!ours) {
    const elsewhere = matches.map((k) => k.file).join(', ');
    throw new Error(
      elsewhere
        ? `API key ${namespace}/${name} is defined in ${elsewhere}, not written by keys create: remove it there`
        : `no API key ${namespace}/${name} in ${dir}`,
    );
  }
  fs.rmSync(file);
  io.err(`revoked ${namespace}/${name} (deleted ${file})\n`);
  return 0;
}
