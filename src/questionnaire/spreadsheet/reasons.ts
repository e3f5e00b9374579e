/**
 * Why an imported cell was rejected, in English, by key: the one source of these sentences. A rejection
 * carries its reason as text (the workspace and the CLI show it) and as key + parameters, so the vendor
 * portal can say it in the vendor's language (src/vendor/words.ts). `{name}` marks a variable part; the
 * parameters hold the cell's text as read, which every page escapes.
 */
export const IMPORT_REASONS = {
  'import.formula':
    'Formula cells are not accepted and were not evaluated; type the value itself into the cell.',
  'import.idCellError': 'The question id cell holds the error {error}.',
  'import.noQuestionId': 'The row has an answer or comment but no question id.',
  'import.unknownQuestion': '{id} is not a question of {ref}; the row was ignored.',
  'import.duplicate': 'The question {id} appears in more than one row ({rows}); none of them was imported.',
  'import.contextAnswerSkipped':
    '{id} is set by the requester and cannot be changed here; the answer was skipped.',
  'import.contextCommentSkipped':
    '{id} is set by the requester and cannot be changed here; the comment was skipped.',
  'import.fileSkipped':
    'File answers cannot be imported from a spreadsheet; upload the files in the portal. The answer was skipped.',
  'import.fileAnswer': 'File answers cannot be imported from a spreadsheet; upload the files in the portal.',
  'import.cellError': 'The cell holds the spreadsheet error {error}; type the value itself.',
  'import.merged': 'The cell is merged with another cell; unmerge it and type the value into each cell.',
  'import.truncated':
    'This text was too long for a spreadsheet cell and was cut on export; change it in the portal instead.',
  'import.commentTooLong': 'The comment has {length} characters; at most {max} are allowed.',
  'import.expectedOneOf': 'Expected one of: {allowed}.',
  'import.expectedOneOrMore': 'Expected one or more of: {allowed}.',
  'import.ambiguousChoice': '"{token}" is ambiguous: it matches {matches}. Allowed: {allowed}.',
  'import.notAllowed': '"{token}" is not one of the allowed values. Allowed: {allowed}.',
  'import.naForbidden': 'Not applicable is not accepted for this question; answer yes or no.',
  'import.exclusive': '"{label}" cannot be combined with other choices.',
  'import.notNumber': '"{text}" is not a number; write digits with an optional decimal point, e.g. 4.5.',
  'import.ambiguousNumber': '"{text}" is ambiguous; write the number without thousands separators.',
  'import.useDecimalPoint': '"{text}" is not a number; use a decimal point, e.g. 4.5.',
  'import.expectedNumber': 'Expected a number.',
  'import.outOfRange': 'The number is out of range.',
  'import.belowMin': '{value} is below the minimum of {min}.',
  'import.aboveMax': '{value} is above the maximum of {max}.',
  'import.badDateCell': 'The date cell is not a valid date.',
  'import.dateOutOfRange': '{date} is outside the supported range of dates.',
  'import.expectedDate': 'Expected a date as YYYY-MM-DD (a spreadsheet date cell is fine too).',
  'import.notDate': '"{text}" is not a date; write it as YYYY-MM-DD.',
  'import.notCalendarDate': '{text} is not a valid calendar date.',
  'import.singleLine': 'This question takes a single line of text; remove the line breaks.',
  'import.textTooLong': 'The text has {length} characters; at most {max} are allowed.',
} as const;

export type ImportReason = keyof typeof IMPORT_REASONS;
export type ReasonParams = Readonly<Record<string, string | number>>;

/** A rejection's reason by key, with the values of its variable parts. */
export interface ReasonSaid {
  key: ImportReason;
  params?: ReasonParams;
}

/** The English sentence, its `{name}` parts filled in one pass (a value holding `{…}` stays as it is). */
export function reasonText(said: ReasonSaid): string {
  const params = said.params ?? {};
  return IMPORT_REASONS[said.key].replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.hasOwn(params, name) ? String(params[name]) : whole,
  );
}
