// The admin server: alive always, ready only with a config, metrics in Prometheus text.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sampleConfig } from '../test/envoy-harness/fixtures';
import { startAdminServer } from './admin';
import { ConfigStore } from './config/store';
import { ExtprocMetrics } from './metrics';

describe('admin server', () => {
  it('is ready only once a config is in the store', async () => {
    const store = new ConfigStore();
    const metrics = new ExtprocMetrics();
    store.onChange((c) => metrics.setConfigVersion(c.version));
    const admin = await startAdminServer({ port: 0, store, metrics });
    const get = (path: string) => fetch(`http://127.0.0.1:${admin.port}${path}`);
    try {
      assert.equal((await get('/healthz')).status, 200);
      assert.equal((await get('/readyz')).status, 503);
      store.set(sampleConfig('v7'));
      assert.equal((await get('/readyz')).status, 200);
      const text = await (await get('/metrics')).text();
      assert.match(text, /tollgate_extproc_config_info\{version="v7"\} 1/);
      assert.equal((await get('/nope')).status, 404);
    } finally {
      await admin.close();
    }
  });
});
