// jose, loaded for our CommonJS build. jose 6 is ESM only; Node 20.19+ loads ESM through
// require() (it has no top-level await), but TypeScript's Node16 module mode rejects a static
// import of ESM from CommonJS (TS1479) and dynamic import() is not used here. So, as
// controller/provider/kubernetes/k8s.ts does: require() at runtime, typed by an import-mode
// type-only import.
import type * as Jose from 'jose' with { 'resolution-mode': 'import' };

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const jose = require('jose') as typeof Jose;
export type { Jose };
