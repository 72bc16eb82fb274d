// The Envoy Deployment of a Gateway. Pods run Envoy with the bootstrap ConfigMap and, in
// Sidecar mode (the default), `tollgate extproc` listening on a Unix socket in an emptyDir
// shared with Envoy (no network hop, no port to protect). In Deployment mode the pods run Envoy
// alone and reach the shared extproc Service the controller was started with. The pod template
// carries hashes of the bootstrap and of the client certificate, so a changed bootstrap or a
// rotated certificate rolls the pods (Envoy reads static TLS files once, at start).
import type { Gateway, TollgateProxySpec } from '../api';
import type { KubeObject } from '../provider/kubernetes/lister';
import { LABEL_COMPONENT, proxyLabels, shortHash } from './names';
import { objectMeta } from './meta';
import {
  BOOTSTRAP_DIR,
  BOOTSTRAP_FILE,
  DEFAULT_ENVOY_IMAGE,
  EXTPROC_ADMIN_PORT,
  XDS_TLS_DIR,
  type ProvisionSettings,
} from './settings';
import { listenerPorts } from './service';

const SOCKET_VOLUME = 'extproc-socket';
const BOOTSTRAP_VOLUME = 'bootstrap';
const TLS_VOLUME = 'xds-tls';

export interface DeploymentInputs {
  bootstrap: string;
  /** The client certificate PEM mounted for xDS mTLS (its hash rolls the pods on rotation). */
  clientCert?: string;
}

const hardened = {
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
};
const podNameEnv = { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } };

export function sidecarMode(spec: TollgateProxySpec): boolean {
  return (spec.extproc?.mode ?? 'Sidecar') === 'Sidecar';
}

export function desiredDeployment(
  gateway: Gateway,
  spec: TollgateProxySpec,
  settings: ProvisionSettings,
  inputs: DeploymentInputs,
): KubeObject {
  const meta = objectMeta(gateway, 'proxy');
  const selector = proxyLabels(gateway);
  const ports = listenerPorts(gateway);
  const sidecar = sidecarMode(spec);
  const tls = settings.xdsTls;
  const socketDir = settings.extprocSocket.slice(0, settings.extprocSocket.lastIndexOf('/')) || '/';

  const envoy: Record<string, unknown> = {
    name: 'envoy',
    image: spec.envoy?.image ?? settings.envoyImage ?? DEFAULT_ENVOY_IMAGE,
    args: [
      '-c',
      `${BOOTSTRAP_DIR}/${BOOTSTRAP_FILE}`,
      '--service-node',
      '$(POD_NAME)',
      '--log-level',
      spec.envoy?.logLevel ?? 'info',
      '--drain-time-s',
      '15',
    ],
    env: [podNameEnv],
    ports: ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: 'TCP' })),
    // Ready once the listeners from xDS are bound.
    ...(ports[0] ? { readinessProbe: { tcpSocket: { port: ports[0].port }, periodSeconds: 5 } } : {}),
    resources: spec.envoy?.resources ?? {},
    securityContext: hardened,
    volumeMounts: [
      { name: BOOTSTRAP_VOLUME, mountPath: BOOTSTRAP_DIR, readOnly: true },
      ...(tls ? [{ name: TLS_VOLUME, mountPath: XDS_TLS_DIR, readOnly: true }] : []),
      ...(sidecar ? [{ name: SOCKET_VOLUME, mountPath: socketDir }] : []),
    ],
  };
  const containers: Record<string, unknown>[] = [envoy];
  if (sidecar) containers.push(extprocContainer(spec, settings, socketDir));

  const redis = spec.extproc?.redisUrlSecretRef;
  if (sidecar && redis)
    (containers[1]?.env as unknown[]).push({
      name: 'REDIS_URL',
      valueFrom: { secretKeyRef: { name: redis.name, key: redis.key } },
    });

  const podAnnotations: Record<string, string> = {
    ...(spec.pod?.annotations ?? {}),
    'tollgate.dev/bootstrap-hash': shortHash(inputs.bootstrap, 16),
    ...(inputs.clientCert ? { 'tollgate.dev/xds-client-cert-hash': shortHash(inputs.clientCert, 16) } : {}),
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta,
    spec: {
      replicas: spec.replicas ?? settings.defaultReplicas,
      selector: { matchLabels: selector },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: {
          labels: { ...(spec.pod?.labels ?? {}), ...selector, [LABEL_COMPONENT]: 'proxy' },
          annotations: podAnnotations,
        },
        spec: {
          containers,
          // Envoy binds the Gateway's listener ports (80, 443...) without root or capabilities.
          securityContext: {
            runAsNonRoot: true,
            sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }],
          },
          automountServiceAccountToken: false,
          terminationGracePeriodSeconds: 30,
          ...(spec.pod?.nodeSelector ? { nodeSelector: spec.pod.nodeSelector } : {}),
          volumes: [
            { name: BOOTSTRAP_VOLUME, configMap: { name: meta.name } },
            ...(tls ? [{ name: TLS_VOLUME, secret: { secretName: tls.clientSecretName } }] : []),
            ...(sidecar ? [{ name: SOCKET_VOLUME, emptyDir: {} }] : []),
          ],
        },
      },
    },
  };
}

function extprocContainer(
  spec: TollgateProxySpec,
  settings: ProvisionSettings,
  socketDir: string,
): Record<string, unknown> {
  const tls = settings.xdsTls;
  const args = [
    'extproc',
    '--listen',
    `unix:${settings.extprocSocket}`,
    '--xds',
    `${settings.ads.host}:${settings.ads.port}`,
    '--node-id',
    '$(POD_NAME)',
    '--admin-host',
    '0.0.0.0',
    '--admin-port',
    String(EXTPROC_ADMIN_PORT),
    ...(tls
      ? [
          '--xds-ca',
          `${XDS_TLS_DIR}/ca.crt`,
          '--xds-cert',
          `${XDS_TLS_DIR}/tls.crt`,
          '--xds-key',
          `${XDS_TLS_DIR}/tls.key`,
          '--xds-server-name',
          tls.serverName,
        ]
      : []),
  ];
  return {
    name: 'extproc',
    image: spec.extproc?.image ?? settings.tollgateImage,
    args,
    env: [podNameEnv],
    ports: [{ name: 'extproc-admin', containerPort: EXTPROC_ADMIN_PORT, protocol: 'TCP' }],
    readinessProbe: { httpGet: { path: '/readyz', port: EXTPROC_ADMIN_PORT }, periodSeconds: 5 },
    livenessProbe: { httpGet: { path: '/healthz', port: EXTPROC_ADMIN_PORT }, periodSeconds: 10 },
    resources: spec.extproc?.resources ?? {},
    securityContext: hardened,
    volumeMounts: [
      { name: SOCKET_VOLUME, mountPath: socketDir },
      ...(tls ? [{ name: TLS_VOLUME, mountPath: XDS_TLS_DIR, readOnly: true }] : []),
    ],
  };
}
