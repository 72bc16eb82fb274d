// Golden-file tests: every `testdata/NAME.in.yaml` is run through a function and compared with
// `NAME.out.yaml`. UPDATE_GOLDEN=1 rewrites the outputs and deletes orphaned ones, so
// reviewing a change means reading a YAML diff. Cases that are expected to fail say so in
// their name (e.g. `invalid-*`); the function must still return a value for them.
import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import YAML from 'yaml';
import { toYaml } from '../lib/yaml';

export { toYaml };

/** Source testdata folders live next to the .ts files; tests run from dist/, so map back. */
export function sourceDir(compiledDir: string): string {
  const rel = path.relative(path.join(repoRoot(), 'dist'), compiledDir);
  return rel.startsWith('..') ? compiledDir : path.join(repoRoot(), rel);
}

export function repoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}

/** Registers one node:test test per `*.in.yaml` in `dir` (a source folder). */
export function goldenTests(dir: string, run: (input: unknown[], name: string) => unknown): void {
  const update = process.env.UPDATE_GOLDEN === '1';
  const inputs = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.in.yaml'))
    .sort();
  if (update) {
    const wanted = new Set(inputs.map((f) => f.replace(/\.in\.yaml$/, '.out.yaml')));
    for (const f of fs.readdirSync(dir))
      if (f.endsWith('.out.yaml') && !wanted.has(f)) fs.rmSync(path.join(dir, f));
  }
  for (const file of inputs) {
    const name = file.replace(/\.in\.yaml$/, '');
    test(`golden ${path.basename(dir)}/${name}`, () => {
      const docs = YAML.parseAllDocuments(fs.readFileSync(path.join(dir, file), 'utf8')).map(
        (d) => d.toJS() as unknown,
      );
      const actual = toYaml(
        run(
          docs.filter((d) => d !== null && d !== undefined),
          name,
        ),
      );
      const outFile = path.join(dir, `${name}.out.yaml`);
      if (update) {
        fs.writeFileSync(outFile, actual);
        return;
      }
      assert.ok(fs.existsSync(outFile), `${outFile} is missing; run with UPDATE_GOLDEN=1`);
      assert.equal(actual, fs.readFileSync(outFile, 'utf8'), `${name}: output differs from the golden file`);
    });
  }
}
