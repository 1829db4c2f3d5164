/**
 * BMO's admission rules for the values of the Metal3 annotations (baremetalhost_validation.go
 * validateAnnotations / validateInspectionMode), with BMO's texts. The detached annotation is not
 * checked by BMO's webhook (its controller ignores a bad value); here a bad value is refused, since an
 * annotation that is accepted and then ignored is a silent drop. The status and hardwaredetails
 * annotations are validated by their own parsers (adoption, hardware details).
 */
import { Annotation, annotationObject, isRebootAnnotation } from './annotations.js';
import type { FieldError } from './validate-host.js';

const REBOOT_MODES = ['hard', 'soft', ''];
const DELETE_ACTIONS = ['delete', 'delay', ''];

/** Inspection is disabled by the inspectionMode field or by the legacy annotation (BMO InspectionDisabled). */
export function inspectionDisabled(annotations: Readonly<Record<string, string>>, inspectionMode: unknown): boolean {
  return inspectionMode === 'disabled' || annotations[Annotation.inspect] === 'disabled';
}

/** The annotation's JSON object with BMO's member types checked (wrong types are refused, as Go's json.Unmarshal does). */
function decodeArgs(value: string, members: Record<string, 'string' | 'boolean'>): Record<string, unknown> | string {
  const obj = annotationObject(value);
  if (typeof obj === 'string') return obj;
  for (const [name, type] of Object.entries(members)) {
    if (obj[name] !== undefined && obj[name] !== null && typeof obj[name] !== type) return `${name} must be a ${type}`;
  }
  return obj;
}

export function validateMetal3Annotations(annotations: Readonly<Record<string, string>>, inspectionMode: unknown): FieldError[] {
  const errors: FieldError[] = [];
  for (const [key, value] of Object.entries(annotations)) {
    if (typeof value !== 'string') continue; // reported by the metadata check
    const field = `metadata.annotations.${key}`;
    if (key === Annotation.inspect) {
      if (value !== '' && value !== 'disabled') errors.push({ field, reason: `invalid value for the ${Annotation.inspect} annotation, allowed are "disabled" or ""` });
      // BMO compares only when both are set: "" (re-inspect) never contradicts.
      else if (value !== '' && typeof inspectionMode === 'string' && inspectionMode !== '' && (value === 'disabled') !== (inspectionMode === 'disabled')) {
        errors.push({ field, reason: `${Annotation.inspect} annotation and inspectionMode field have contradicting values` });
      }
    } else if (isRebootAnnotation(key) && value !== '') {
      const args = decodeArgs(value, { mode: 'string', force: 'boolean' });
      if (typeof args === 'string') errors.push({ field, reason: `failed to unmarshal the data from the ${Annotation.reboot} annotation: ${args}` });
      else if (!REBOOT_MODES.includes((args.mode as string | undefined) ?? '')) {
        errors.push({ field, reason: `invalid mode in the ${Annotation.reboot} annotation, allowed are "hard", "soft" or ""` });
      }
    } else if (key === Annotation.detached && value !== '') {
      const args = decodeArgs(value, { deleteAction: 'string', force: 'boolean' });
      if (typeof args === 'string') errors.push({ field, reason: `unable to parse the content of the detached annotation: ${args}` });
      else if (!DELETE_ACTIONS.includes((args.deleteAction as string | undefined) ?? '')) {
        errors.push({ field, reason: `invalid deleteAction in the ${Annotation.detached} annotation, allowed are "delete", "delay" or ""` });
      }
    }
  }
  return errors;
}
