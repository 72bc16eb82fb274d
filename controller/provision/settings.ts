// What the provisioner needs from the controller's own deployment (its flags): where the
// proxies reach the ADS server, whether that is mTLS, the images, and where extproc listens.
export interface ProvisionSettings {
  /** Namespace of the controller (CA Secret, default TollgateProxy namespace). */
  controllerNamespace: string;
  /** The controller's ADS Service, e.g. tollgate-controller.tollgate-system.svc:18000. */
  ads: { host: string; port: number };
  /** mTLS to the ADS server; undefined keeps the proxies on plaintext xDS. */
  xdsTls?: {
    /** The SAN the controller's certificate carries (default: ads.host). */
    serverName: string;
    /** kubernetes.io/tls Secret (ca.crt, tls.crt, tls.key) issued into each Gateway namespace. */
    clientSecretName: string;
  };
  envoyImage: string;
  /** The tollgate image (extproc sidecar). */
  tollgateImage: string;
  /** Socket path of the extproc sidecar; must equal the controller's `--extproc unix:PATH`. */
  extprocSocket: string;
  /** Replicas when the TollgateProxy says nothing. */
  defaultReplicas: number;
}

export const DEFAULT_ENVOY_IMAGE = 'envoyproxy/envoy:distroless-v1.34.1';
export const XDS_TLS_DIR = '/etc/tollgate/xds-tls';
export const BOOTSTRAP_DIR = '/etc/envoy';
export const BOOTSTRAP_FILE = 'bootstrap.yaml';
export const EXTPROC_ADMIN_PORT = 9102;
