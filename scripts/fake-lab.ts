/**
 * Writes the manifest of an emulated lab: N hosts with the `fake` driver (test/demo driver, never a
 * default), half of them with an image so they go all the way to provisioned.
 *   npx tsx scripts/fake-lab.ts --hosts 5 [--namespace lab] > lab.yaml
 */
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';

const { values } = parseArgs({ options: { hosts: { type: 'string', default: '5' }, namespace: { type: 'string', default: 'lab' } } });
const count = Number(values.hosts);
if (!Number.isInteger(count) || count < 1) throw new Error(`--hosts ${values.hosts}: expected a positive whole number`);
const ns = values.namespace;

const docs: unknown[] = [
  { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'lab-bmc-credentials', namespace: ns }, type: 'Opaque', stringData: { username: 'admin', password: 'lab-password' } },
];
for (let i = 0; i < count; i++) {
  const name = `lab-host-${String(i).padStart(2, '0')}`;
  const mac = `52:54:00:aa:00:${i.toString(16).padStart(2, '0')}`;
  docs.push({
    apiVersion: 'metal3.io/v1alpha1',
    kind: 'BareMetalHost',
    metadata: { name, namespace: ns, annotations: { 'fake.metalflow.io/durations': 'inspect=3s,clean=2s,deploy=5s' } },
    spec: {
      online: true,
      bootMACAddress: mac,
      bmc: { address: `fake://${name}`, credentialsName: 'lab-bmc-credentials' },
      ...(i % 2 === 0
        ? { image: { url: 'http://images.lab.invalid/ubuntu-24.04.qcow2', checksum: 'http://images.lab.invalid/ubuntu-24.04.qcow2.sha256sum', checksumType: 'sha256', format: 'qcow2' } }
        : {}),
    },
  });
}
process.stdout.write(docs.map((d) => stringify(d)).join('---\n'));
