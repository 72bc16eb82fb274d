// `tollgate crds [--out DIR]`: the CRDs generated from controller/api (placeholder until the
// generator lands; see controller/crdgen).
export async function run(_argv: string[]): Promise<number> {
  process.stderr.write('tollgate crds: not implemented yet\n');
  return 1;
}
