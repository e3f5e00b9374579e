/**
 * What the vendor side refuses with, in English, by key: the one source of these sentences. An error
 * is thrown with its key and parameters (`refuse`), so the error page (src/http/error-handler.ts, through
 * src/vendor/error-language.ts) and the portal's own pages say it in the vendor's language from the
 * words table (src/vendor/words.ts, which must have every key in German). `{name}` marks a variable part.
 */
import { type ErrorAction, fill, HttpError, type MessageParams, type Said } from '../errors.js';

export const VENDOR_REFUSALS = {
  'vendor.sessionEnded':
    'Your session has ended. Open the link from your invitation email again, or ask for a new one from the page it leads to.',
  'vendor.langUnavailable': 'This questionnaire is available in: {locales}. Choose one of these.',
  'vendor.noSection': 'This questionnaire has no such section.',
  'vendor.sectionHidden': 'This section does not apply with your current answers.',
  'vendor.noQuestion': 'This questionnaire has no such question.',
  'vendor.noQuestionToAnswer': 'This questionnaire has no such question to answer.',
  'vendor.questionHidden': 'This question does not apply with your current answers, so it was not saved.',
  'vendor.assessmentNotFound': 'We could not find that assessment.',
  'vendor.noAssessment': 'No such assessment.',
  'vendor.revisionsMissing': 'The form is missing its revision numbers. Reload the page and try again.',
  'vendor.submitted':
    'This assessment has been submitted, so its answers can no longer be changed. Ask the requester if something must be corrected.',
  'vendor.submittedShort': 'This assessment has been submitted, so its answers can no longer be changed.',
  'vendor.alreadySubmitted': 'This questionnaire has already been submitted; answers can no longer change.',
  'vendor.notSubmittedYet': 'This questionnaire has not been submitted yet.',
  'vendor.issuesLeftOne': '{count} question still needs an answer or a fix before you can submit.',
  'vendor.issuesLeftMany': '{count} questions still need an answer or a fix before you can submit.',
  // Offline answering.
  'vendor.chooseSpreadsheet': 'Choose the spreadsheet file to upload.',
  'vendor.chooseFile': 'Choose a file.',
  'vendor.fileTooLarge': 'The file is too large.',
  'vendor.spreadsheetType':
    'Upload the spreadsheet as a file (multipart/form-data), or send it as text/csv or an XLSX body.',
  'vendor.fileEmpty': 'The file is empty. Choose the spreadsheet you filled in.',
  'vendor.xlsxUnavailable': 'XLSX upload is not available on this server; upload the CSV export instead.',
  'vendor.notFromSheet': 'This answer cannot be set from a spreadsheet.',
  'vendor.importFormChanged': 'The import form was changed or is out of date. Upload the file again.',
  'vendor.nothingToApply': 'There is nothing to apply. Upload a filled-in spreadsheet first.',
  'vendor.importInvalid': 'An imported answer is not valid: {reason} Nothing was saved.',
  // Codes: the submission code (OTP) and the code that comes with fresh access.
  'vendor.noCodeNeeded': 'This questionnaire needs no code to submit.',
  'vendor.submitCodeTooOften': 'A code was sent too often. Wait an hour, or use the last code you received.',
  'vendor.enterCode': 'Enter the 6-digit code from the email.',
  'vendor.submitCodeWrong': 'That code is not right, or it was replaced by a newer one.',
  'vendor.codeNotRight': 'That code is not right.',
  'vendor.submitTriesPerDay': 'Too many codes were tried for this assessment today. Try again tomorrow.',
  'vendor.submitNoLiveCode': 'There is no live code for this session: ask for a new one.',
  'vendor.askNewCode': 'Ask for a new code.',
  'vendor.submitTooManyWrong': 'Too many wrong codes. Ask for a new one.',
  // Link pages and fresh access.
  'vendor.linkUnusable': 'This link has already been used or has expired.',
  'vendor.linkInvalid': 'This link is not valid. Check that you copied all of it from the email.',
  'vendor.closed': 'This assessment is closed: it was submitted or withdrawn.',
  'vendor.freshTooOften': 'A new link was asked for too often. Wait an hour, or ask the sender for help.',
  'vendor.codeOtherBrowser':
    'This code works only in the browser where you asked for it. Ask for a new one here.',
  'vendor.accessTriesPerDay':
    'Too many codes were tried for this assessment today. Try again tomorrow, or ask the sender.',
  'vendor.codeStale': 'This code has expired or was replaced by a newer one. Ask for a new one here.',
  'vendor.accessTooManyWrong': 'Too many wrong codes. Ask for a new one here.',
  'vendor.codeWrongLeftOne': 'That code is not right. {left} try left.',
  'vendor.codeWrongLeftMany': 'That code is not right. {left} tries left.',
  'vendor.codeWrongNone': 'That code is not right. Ask for a new one here.',
  // A POST-only address opened another way (a typed or followed link: CSRF-03): nothing changed.
  'vendor.postOnly':
    'This address only takes the form sent by a button on the page, so opening it changed nothing. Go back and use the button.',
} as const;

export type VendorRefusal = keyof typeof VENDOR_REFUSALS;

/** A refusal's sentence in English (the error's own message; the words table has the others). */
export const english = (key: VendorRefusal, params?: MessageParams): string =>
  fill(VENDOR_REFUSALS[key], params);

export interface RefuseOptions {
  params?: MessageParams;
  /** Field messages by field name, each by its key. */
  fields?: Readonly<Record<string, VendorRefusal>>;
  headers?: Readonly<Record<string, string>>;
  action?: ErrorAction;
  cause?: unknown;
}

/** An HttpError that says `key` (in English as its message, in the vendor's language on the page). */
export function refuse(status: number, key: VendorRefusal, options: RefuseOptions = {}): HttpError {
  const { params, fields, ...rest } = options;
  const said: Said = params ? { key, params } : { key };
  return new HttpError(status, english(key, params), {
    ...rest,
    said,
    ...(fields
      ? {
          fields: Object.fromEntries(Object.entries(fields).map(([n, k]) => [n, english(k)])),
          fieldsSaid: Object.fromEntries(Object.entries(fields).map(([n, k]) => [n, { key: k }])),
        }
      : {}),
  });
}
