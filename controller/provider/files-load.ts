// Reading a folder (or one file) of Kubernetes manifests into a Resources snapshot, for local
// mode (`tollgate run -f DIR`, `tollgate translate -f DIR`). Mistakes in the files are returned
// as messages naming the file and line, never thrown: one broken file must not stop the rest.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { GROUP, KINDS } from '../api';
import { addObject, emptyResources, isKnownKind, type Resources } from './resources';

export interface LoadResult {
  resources: Resources;
  /** Human-readable problems, each naming the file (and line for syntax errors). */
  errors: string[];
}

export interface ManifestFile {
  path: string;
  text: string;
}

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** Loads every manifest under `pathOrDir` (recursive) into a validated snapshot. */
export function loadResources(pathOrDir: string): LoadResult {
  const { files, errors } = readManifestFiles(pathOrDir);
  return parseManifestFiles(files, errors);
}

/** Reads the manifest files, sorted by path so the snapshot does not depend on directory order. */
export function readManifestFiles(pathOrDir: string): { files: ManifestFile[]; errors: string[] } {
  const files: ManifestFile[] = [];
  const errors: string[] = [];
  const visitedDirs = new Set<string>();
  const visit = (p: string, explicit: boolean): void => {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(p); // follows symlinks, as ConfigMap volumes use them
    } catch (err) {
      if (explicit || !isNotFound(err)) errors.push(`${p}: ${errorMessage(err)}`);
      return;
    }
    if (stat.isDirectory()) {
      const real = fs.realpathSync(p);
      if (visitedDirs.has(real)) return; // symlink cycle
      visitedDirs.add(real);
      let names: string[];
      try {
        names = fs.readdirSync(p).sort();
      } catch (err) {
        errors.push(`${p}: ${errorMessage(err)}`);
        return;
      }
      // Hidden names cover .git, editor swap files and the ..data folders of ConfigMap volumes.
      for (const name of names) if (!name.startsWith('.')) visit(path.join(p, name), false);
    } else if (stat.isFile() && (explicit || MANIFEST_EXTENSIONS.has(path.extname(p).toLowerCase()))) {
      try {
        files.push({ path: p, text: fs.readFileSync(p, 'utf8') });
      } catch (err) {
        if (!isNotFound(err)) errors.push(`${p}: ${errorMessage(err)}`); // deleted while we walked
      }
    }
  };
  visit(pathOrDir, true);
  return { files, errors };
}

/** A hash of the files' names and contents: equal hashes mean an identical snapshot. */
export function hashManifestFiles(files: readonly ManifestFile[], errors: readonly string[]): string {
  const hash = createHash('sha256');
  for (const f of files) hash.update(f.path).update('\0').update(f.text).update('\0');
  for (const e of errors) hash.update(e).update('\0');
  return hash.digest('hex');
}

/** Parses and validates already-read files; `errors` is extended, not replaced. */
export function parseManifestFiles(files: readonly ManifestFile[], errors: string[] = []): LoadResult {
  const objects = new Map<string, { raw: Record<string, unknown>; file: string }>();
  for (const file of files) {
    for (const { raw, where } of documentsOf(file, errors)) {
      const kind = raw.kind;
      if (!isKnownKind(kind)) {
        if (typeof raw.apiVersion === 'string' && raw.apiVersion.startsWith(`${GROUP}/`))
          errors.push(`${where}: unknown kind ${JSON.stringify(kind)} in ${raw.apiVersion}`);
        continue; // other kinds (Deployments, ConfigMaps...) are not ours to read
      }
      const metadata = isObject(raw.metadata) ? { ...raw.metadata } : {};
      if (KINDS[kind].namespaced && (typeof metadata.namespace !== 'string' || metadata.namespace === ''))
        metadata.namespace = 'default';
      const object = { ...raw, metadata };
      const key = `${kind} ${String(metadata.namespace ?? '')}/${String(metadata.name ?? '')}`;
      const earlier = objects.get(key);
      if (earlier) errors.push(`${where}: ${key} is also defined in ${earlier.file}; the later one is used`);
      objects.delete(key); // re-insert so the order follows the winning definition
      objects.set(key, { raw: object, file: file.path });
    }
  }
  const resources = emptyResources();
  for (const { raw } of objects.values()) addObject(resources, raw);
  return { resources, errors };
}

function documentsOf(
  file: ManifestFile,
  errors: string[],
): Array<{ raw: Record<string, unknown>; where: string }> {
  const out: Array<{ raw: Record<string, unknown>; where: string }> = [];
  const lineCounter = new YAML.LineCounter();
  const docs = YAML.parseAllDocuments(file.text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  for (const [index, doc] of (Array.isArray(docs) ? docs : [docs]).entries()) {
    const where = docs.length > 1 ? `${file.path} (document ${index + 1})` : file.path;
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        const pos = lineCounter.linePos(e.pos[0]);
        errors.push(`${file.path}:${pos.line}:${pos.col}: ${e.message.split('\n')[0] ?? e.code}`);
      }
      continue;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      errors.push(`${where}: ${errorMessage(err)}`);
      continue;
    }
    if (value === null || value === undefined) continue; // empty document, e.g. a trailing ---
    if (!isObject(value)) {
      errors.push(
        `${where}: expected a Kubernetes object, found ${Array.isArray(value) ? 'a list' : typeof value}`,
      );
      continue;
    }
    if (typeof value.kind !== 'string' || typeof value.apiVersion !== 'string') {
      errors.push(`${where}: apiVersion and kind are required`);
      continue;
    }
    if (value.kind === 'List' || (value.kind.endsWith('List') && Array.isArray(value.items))) {
      const items = Array.isArray(value.items) ? (value.items as unknown[]) : [];
      for (const [i, item] of items.entries()) {
        if (isObject(item) && typeof item.kind === 'string')
          out.push({ raw: item, where: `${where} items[${i}]` });
        else errors.push(`${where} items[${i}]: expected a Kubernetes object with a kind`);
      }
      continue;
    }
    out.push({ raw: value, where });
  }
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

function errorMessage(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e?.code === 'ENOENT' ? 'no such file or directory' : e instanceof Error ? e.message : String(err);
}
