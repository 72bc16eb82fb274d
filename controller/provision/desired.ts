// Everything one Gateway should have: ConfigMap (bootstrap), Deployment, Service, each
// stamped with a hash of itself. The hash is what makes passes idempotent: a stored object
// whose annotation equals the desired hash is left alone (no write, no watch event, no
// rollout), and any change to our desired spec changes the hash and triggers one replace.
import type { KubeObject } from '../provider/kubernetes/lister';
import type { ManagedKind } from '../provider/kubernetes/objects';
import { canonicalJson } from '../../extproc/config/version';
import { bootstrapYaml, desiredConfigMap } from './configmap';
import { desiredDeployment } from './deployment';
import { ANNOTATION_SPEC_HASH, gatewayKey, proxyName, shortHash } from './names';
import type { OwnedGateway } from './params';
import { desiredService } from './service';
import type { ProvisionSettings } from './settings';

export interface DesiredObject {
  kind: ManagedKind;
  object: KubeObject;
}

export interface DesiredGateway {
  key: string;
  namespace: string;
  name: string;
  /** In apply order: the ConfigMap exists before pods that mount it are created. */
  objects: DesiredObject[];
}

/** The object with its spec-hash annotation (hash over everything we set, in canonical JSON). */
export function withSpecHash(object: KubeObject): KubeObject {
  const hash = shortHash(canonicalJson(object), 16);
  const annotations = { ...((object.metadata.annotations as Record<string, string> | undefined) ?? {}) };
  annotations[ANNOTATION_SPEC_HASH] = hash;
  return { ...object, metadata: { ...object.metadata, annotations } };
}

export function specHashOf(object: KubeObject | undefined): string | undefined {
  return (object?.metadata.annotations as Record<string, string> | undefined)?.[ANNOTATION_SPEC_HASH];
}

export function desiredFor(
  owned: OwnedGateway,
  settings: ProvisionSettings,
  inputs: { clientCert?: string } = {},
): DesiredGateway {
  const { gateway, params } = owned;
  const bootstrap = bootstrapYaml(gateway, settings);
  return {
    key: gatewayKey(gateway),
    namespace: gateway.metadata.namespace ?? 'default',
    name: proxyName(gateway),
    objects: [
      { kind: 'ConfigMap', object: withSpecHash(desiredConfigMap(gateway, settings)) },
      {
        kind: 'Deployment',
        object: withSpecHash(desiredDeployment(gateway, params.spec, settings, { bootstrap, ...inputs })),
      },
      { kind: 'Service', object: withSpecHash(desiredService(gateway, params.spec)) },
    ],
  };
}
