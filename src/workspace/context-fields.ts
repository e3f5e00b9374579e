/**
 * The form fields of a questionnaire's context facts (`ctx.<fact id>`): the send form sets them, the
 * review page changes them. A choice becomes a select of its options, anything else a text field.
 */
import { localize, type Questionnaire } from '../questionnaire/index.js';

export interface ContextField {
  key: string;
  label: string;
  options: Array<{ value: string; label: string }> | null;
}

export function contextFields(q: Questionnaire | null): ContextField[] {
  if (!q) return [];
  return q.contextFacts.map((f) => ({
    key: f.id,
    label: localize(f.text, q.defaultLocale, q),
    options:
      f.type === 'yes_no_na'
        ? [
            { value: 'yes', label: 'Yes' },
            { value: 'no', label: 'No' },
            ...(f.na === 'forbidden' ? [] : [{ value: 'na', label: 'Not applicable' }]),
          ]
        : f.options
          ? f.options.map((o) => ({ value: o.value, label: localize(o.label, q.defaultLocale, q) }))
          : null,
  }));
}

/** A stored fact as the form shows it (a multi question's values comma-separated, as the pairs take them). */
export function contextFieldValue(v: unknown): string {
  if (v === undefined || v === null) return '';
  return Array.isArray(v) ? v.join(',') : String(v);
}
