/** Manifest text for BareMetalHost validation tests: the Secrets every host may refer to, and one host document. */
import { parseManifests } from '../../src/api/manifest.js';

export const SECRETS = `apiVersion: v1
kind: Secret
metadata: {name: bmc, namespace: metal3}
type: Opaque
data:
  username: YWRtaW4=
  password: cGFzc3dvcmQ=
---
apiVersion: v1
kind: Secret
metadata: {name: h-userdata, namespace: metal3}
stringData:
  userData: "#cloud-config"
---
apiVersion: v1
kind: Secret
metadata: {name: h-networkdata, namespace: metal3}
stringData:
  networkData: "{}"
---
apiVersion: v1
kind: Secret
metadata: {name: h-network, namespace: metal3}
stringData:
  networkData: "interfaces: []"
`;

/** One BareMetalHost document; `spec` and `meta` are YAML lines (meta indented under metadata). */
export function bmhDocument(spec: string, meta = 'name: h\n  namespace: metal3'): string {
  return `---
apiVersion: metal3.io/v1alpha1
kind: BareMetalHost
metadata:
  ${meta}
spec:
${spec
  .split('\n')
  .map((l) => `  ${l}`)
  .join('\n')}
`;
}

/** The errors of the Secrets plus one host, as `field: reason` lines. */
export function bmhErrors(spec: string, meta?: string): string[] {
  return parseManifests([{ name: 'm.yaml', text: SECRETS + bmhDocument(spec, meta) }]).errors.map((e) => `${e.field}: ${e.reason}`);
}
