import { type FieldErrors, HttpError } from '../errors.js';

/** `answers.q1` from a validation path: the form field name a message belongs to. */
export const fieldName = (path: readonly PropertyKey[]): string =>
  path.map((p) => String(p)).join('.') || '_form';

/**
 * Field messages from a validation failure (an HttpError with fields, or a ZodError), keyed by form
 * field name, first message per field; null for any other error. The one mapping every form uses.
 */
export function fieldErrorsOf(err: unknown): FieldErrors | null {
  if (err instanceof HttpError && err.status === 422 && err.fields) return err.fields;
  if (
    err &&
    typeof err === 'object' &&
    'issues' in err &&
    Array.isArray((err as { issues: unknown }).issues)
  ) {
    const out: Record<string, string> = {};
    for (const i of (err as { issues: { path: PropertyKey[]; message: string }[] }).issues) {
      out[fieldName(i.path)] ??= i.message;
    }
    return out;
  }
  return null;
}
