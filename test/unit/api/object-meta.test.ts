/** metadata.annotations / metadata.labels: Kubernetes' apimachinery rules (ValidateAnnotations, ValidateLabels). */
import { describe, expect, it } from 'vitest';
import { MAX_ANNOTATIONS_TOTAL_BYTES, MAX_LABELS_TOTAL_BYTES, MAX_LABEL_VALUE_LENGTH, MAX_QUALIFIED_NAME_LENGTH, validateObjectMeta, type FieldError } from '../../../src/api/validate-host.js';

const check = (meta: Record<string, unknown>): FieldError[] => {
  const errors: FieldError[] = [];
  validateObjectMeta({ name: 'h', ...meta }, errors);
  return errors;
};

describe('object metadata', () => {
  it('caps the total size of annotations (keys and values) at 256 KiB', () => {
    const key = 'example.com/big';
    expect(MAX_ANNOTATIONS_TOTAL_BYTES).toBe(262144);
    expect(check({ annotations: { [key]: 'x'.repeat(MAX_ANNOTATIONS_TOTAL_BYTES - key.length) } })).toEqual([]);
    expect(check({ annotations: { [key]: 'x'.repeat(MAX_ANNOTATIONS_TOTAL_BYTES - key.length + 1) } })).toEqual([{ field: 'metadata.annotations', reason: `Too long: must have at most ${MAX_ANNOTATIONS_TOTAL_BYTES} bytes` }]);
    // bytes, not characters (UTF-8)
    expect(check({ annotations: { a: 'é'.repeat(MAX_ANNOTATIONS_TOTAL_BYTES / 2) } })).toEqual([{ field: 'metadata.annotations', reason: `Too long: must have at most ${MAX_ANNOTATIONS_TOTAL_BYTES} bytes` }]);
  });

  it('caps the total size of labels (keys and values): they are copied into the BmhView memo of every host', () => {
    expect(MAX_LABELS_TOTAL_BYTES).toBe(16384);
    // 63-character values under 63-character keys: 126 bytes a label.
    const labels = (n: number): Record<string, string> => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${String(i).padStart(5, '0')}${'k'.repeat(57)}`, 'v'.repeat(63)]));
    const fit = Math.floor(MAX_LABELS_TOTAL_BYTES / 126);
    expect(check({ labels: labels(fit) })).toEqual([]);
    expect(check({ labels: labels(fit + 1) })).toEqual([{ field: 'metadata.labels', reason: `Too long: must have at most ${MAX_LABELS_TOTAL_BYTES} bytes` }]);
  });

  it('checks annotation and label keys as qualified names', () => {
    expect(check({ annotations: { 'metal3.io/x': '', 'a_b.c-d': 'v' }, labels: { 'cluster.x-k8s.io/cluster-name': 'prod', role: 'worker' } })).toEqual([]);
    expect(check({ annotations: { 'bad key': 'v' } })).toEqual([{ field: 'metadata.annotations', reason: `Invalid value: "bad key": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character` }]);
    expect(check({ labels: { [`k${'x'.repeat(MAX_QUALIFIED_NAME_LENGTH)}`]: 'v' } })[0]?.reason).toMatch(/name part must be no more than 63 characters$/);
    expect(check({ labels: { 'Bad_Prefix/x': 'v' } })[0]?.reason).toMatch(/prefix part a lowercase RFC 1123 subdomain/);
    expect(check({ labels: { '/x': 'v' } })[0]?.reason).toMatch(/prefix part must be non-empty$/);
  });

  it('checks label values (63 characters, alphanumeric ends)', () => {
    expect(check({ labels: { role: '' } })).toEqual([]);
    expect(check({ labels: { role: 'x'.repeat(MAX_LABEL_VALUE_LENGTH) } })).toEqual([]);
    expect(check({ labels: { role: 'x'.repeat(MAX_LABEL_VALUE_LENGTH + 1) } })).toEqual([{ field: 'metadata.labels', reason: `Invalid value: "${'x'.repeat(MAX_LABEL_VALUE_LENGTH + 1)}": must be no more than ${MAX_LABEL_VALUE_LENGTH} characters` }]);
    expect(check({ labels: { role: '-worker' } })).toEqual([{ field: 'metadata.labels', reason: `Invalid value: "-worker": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character` }]);
  });
});
