// The files provider: a folder of the same YAML manifests a user would kubectl-apply, read once
// (loadResources) or watched (watchResources) for local mode. Watching is event-driven through
// fs.watch, debounced, with a slow poll as a safety net because fs.watch misses events on some
// filesystems and when an editor replaces a file or folder; every trigger re-reads the folder
// and fires only when the content hash changed, so touching or re-saving a file costs nothing.
import fs from 'node:fs';
import path from 'node:path';
import type { Resources } from './resources';
import { hashManifestFiles, parseManifestFiles, readManifestFiles } from './files-load';

export { loadResources, type LoadResult } from './files-load';

export interface WatchOptions {
  /** Quiet time after the last filesystem event before re-reading (default 100 ms). */
  debounceMs?: number;
  /** Re-read at this interval even without events; 0 disables (default 2000 ms). */
  pollIntervalMs?: number;
  /** Use fs.watch (default true); false leaves only polling, e.g. on network filesystems. */
  useFsWatch?: boolean;
}

export interface ResourceWatch {
  close(): void;
}

/**
 * Calls `onChange` with a fresh snapshot whenever the manifests under `pathOrDir` change. The
 * baseline is the content at the time of the call, so call loadResources first and apply it.
 */
export function watchResources(
  pathOrDir: string,
  onChange: (resources: Resources, errors: string[]) => void,
  opts: WatchOptions = {},
): ResourceWatch {
  const debounceMs = opts.debounceMs ?? 100;
  const pollIntervalMs = opts.pollIntervalMs ?? 2000;
  const maxWaitMs = Math.max(debounceMs * 10, 1000); // a constant stream of writes still reloads
  let closed = false;
  let lastHash = currentHash(pathOrDir).hash;
  let watcher: fs.FSWatcher | undefined;
  let debounce: NodeJS.Timeout | undefined;
  let firstEventAt: number | undefined;

  const reload = (): void => {
    debounce = undefined;
    firstEventAt = undefined;
    if (closed) return;
    const { hash, files, errors } = currentHash(pathOrDir);
    if (opts.useFsWatch !== false && watcher === undefined) watcher = startWatcher();
    if (hash === lastHash) return;
    lastHash = hash;
    const result = parseManifestFiles(files, errors);
    onChange(result.resources, result.errors);
  };

  const schedule = (): void => {
    if (closed) return;
    const now = Date.now();
    firstEventAt ??= now;
    if (debounce) clearTimeout(debounce);
    debounce = setTimeout(reload, Math.max(0, Math.min(debounceMs, firstEventAt + maxWaitMs - now)));
  };

  const startWatcher = (): fs.FSWatcher | undefined => {
    let target = pathOrDir;
    let recursive = true;
    try {
      // A single file is watched through its folder: editors replace files, and a watch on the
      // old inode would go quiet after the first save.
      if (!fs.statSync(pathOrDir).isDirectory()) {
        target = path.dirname(pathOrDir);
        recursive = false;
      }
      const w = fs.watch(target, { recursive, persistent: true }, schedule);
      w.on('error', () => {
        // e.g. the watched folder was deleted; polling continues and re-creates the watch
        w.close();
        if (watcher === w) watcher = undefined;
        schedule();
      });
      return w;
    } catch {
      return undefined; // missing path or no recursive support: polling covers it
    }
  };

  if (opts.useFsWatch !== false) watcher = startWatcher();
  const poll = pollIntervalMs > 0 ? setInterval(schedule, pollIntervalMs) : undefined;
  poll?.unref();

  return {
    close(): void {
      closed = true;
      if (debounce) clearTimeout(debounce);
      if (poll) clearInterval(poll);
      watcher?.close();
      watcher = undefined;
    },
  };
}

function currentHash(pathOrDir: string): {
  hash: string;
  files: ReturnType<typeof readManifestFiles>['files'];
  errors: string[];
} {
  const { files, errors } = readManifestFiles(pathOrDir);
  return { hash: hashManifestFiles(files, errors), files, errors };
}
