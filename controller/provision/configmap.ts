// The bootstrap ConfigMap of a Gateway's proxies: the same Envoy bootstrap `tollgate bootstrap`
// prints (controller/xds/bootstrap.ts), in the proto3 JSON mapping Envoy reads files in,
// written as YAML. node.id is overridden per pod by `--service-node $(POD_NAME)`.
import { envoyBootstrap } from '../xds';
import { toProto3Json } from '../../lib/proto-json';
import { toYaml } from '../../lib/yaml';
import type { Gateway } from '../api';
import type { KubeObject } from '../provider/kubernetes/lister';
import { gatewayKey, proxyName } from './names';
import { BOOTSTRAP_FILE, XDS_TLS_DIR, type ProvisionSettings } from './settings';
import { objectMeta } from './meta';

export function bootstrapYaml(gateway: Gateway, settings: ProvisionSettings): string {
  const bootstrap = envoyBootstrap({
    nodeId: proxyName(gateway),
    gatewayKey: gatewayKey(gateway),
    adsAddress: settings.ads,
    xdsTls: settings.xdsTls ? { dir: XDS_TLS_DIR, serverName: settings.xdsTls.serverName } : undefined,
  });
  return toYaml(toProto3Json('envoy.config.bootstrap.v3.Bootstrap', bootstrap));
}

export function desiredConfigMap(gateway: Gateway, settings: ProvisionSettings): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: objectMeta(gateway, 'bootstrap'),
    data: { [BOOTSTRAP_FILE]: bootstrapYaml(gateway, settings) },
  };
}
