/**
 * The form fields of a questionnaire's context facts (`ctx.<fact id>`): the send forms set them, the
 * review page changes them (views/partials/context-fields.eta). A single choice is a select of its
 * options, a multi choice a group of checkboxes, anything else a text field.
 *
 * Every field of a fact is posted even when empty (a multi fact carries a hidden empty `ctx.<fact id>`
 * next to its checkboxes), so a fact the form posted but left empty is "not set", and a fact it did not
 * post at all is one the form did not show: the review keeps it as it was.
 */
import { type ContextProblem, localize, type Questionnaire } from '../questionnaire/index.js';

export interface ContextField {
  key: string;
  label: string;
  /** A multi-choice fact: several of its options at once. */
  multi: boolean;
  options: Array<{ value: string; label: string }> | null;
}

export function contextFields(q: Questionnaire | null): ContextField[] {
  if (!q) return [];
  return q.contextFacts.map((f) => ({
    key: f.id,
    label: localize(f.text, q.defaultLocale, q),
    multi: f.type === 'multi',
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

/** A stored fact as the form's values (a multi fact's each, anything else one; none: not set). */
export function contextFieldValues(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v.map(String) : [String(v)];
}

export interface PostedContext {
  /** The facts as the CLI's `--context KEY=VALUE` pairs (a multi fact's values comma-separated). */
  pairs: string[];
  /** Every fact id the form posted, set or empty. */
  posted: string[];
  /** The posted values by fact id (for showing the form again). */
  values: Record<string, string[]>;
  /** A single-valued fact given more than once. */
  problems: ContextProblem[];
}

/**
 * The `ctx.<fact id>` fields of a form, read as contextFromPairs takes them: a multi fact's repeated
 * fields (its ticked checkboxes) become one `key=a,b`, empty values are left out. Without the
 * questionnaire every fact counts as single-valued.
 */
export function postedContext(
  q: Questionnaire | null,
  form: Readonly<Record<string, string | readonly string[] | undefined>>,
): PostedContext {
  const out: PostedContext = { pairs: [], posted: [], values: Object.create(null), problems: [] };
  for (const [name, raw] of Object.entries(form)) {
    if (!name.startsWith('ctx.') || raw === undefined) continue;
    const key = name.slice(4);
    // A field name is taken as it is: contextFromPairs trims keys, so "scope.x " would reach scope.x
    // past the checks above (twice given, cleared by the same form).
    if (key.trim() !== key || key === '') {
      out.problems.push({ key, message: `"${key}" is not a context fact.` });
      continue;
    }
    const values = (typeof raw === 'string' ? [raw] : raw).map((v) => v.trim()).filter((v) => v !== '');
    out.posted.push(key);
    out.values[key] = values;
    const fact = q?.questions.get(key);
    // Not a fact of the questionnaire, even empty: contextFromPairs names it and lists the facts.
    if (q && !fact?.context) out.pairs.push(`${key}=${values.join(',')}`);
    else if (values.length > 1 && fact?.type !== 'multi')
      out.problems.push({ key, message: `${key} is given more than once; give each context fact once.` });
    else if (values.length > 0) out.pairs.push(`${key}=${values.join(',')}`);
  }
  return out;
}
