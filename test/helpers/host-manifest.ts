/** A BareMetalHost with its BMC credentials Secret, as one manifest (`spec` lines indented by two). */
export function hostManifest(namespace: string, name: string, specLines: string[]): string {
  const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: `${name}-bmc`, namespace }, stringData: { username: 'admin', password: 'pw' } };
  const host = `apiVersion: metal3.io/v1alpha1\nkind: BareMetalHost\nmetadata: {name: ${name}, namespace: ${namespace}}\nspec:\n${specLines.map((l) => `  ${l}\n`).join('')}`;
  return `${JSON.stringify(secret)}\n---\n${host}`;
}
