/**
 * The vendor portal's own words (everything but the questionnaire's text, which the questionnaire
 * localises), per language. A missing language falls back to English; French has only a few so far.
 * What the domain refuses with is said here too (`say`): each error carries its sentence's key and
 * parameters, and the table of those sentences (error-words.ts) has them in German and in part French.
 */
import { fill, type Said } from '../errors.js';
import type { ErrorLocale } from '../http/error-locale.js';
import { MESSAGES_DE, MESSAGES_FR, type Messages } from './error-words.js';

export type Words = Record<keyof typeof EN, string>;
const EN = {
  yes: 'Yes',
  no: 'No',
  na: 'Not applicable',
  choose: 'Choose…',
  required: 'required',
  optional: 'optional',
  comment: 'Comment',
  sections: 'Sections',
  progress: 'Progress',
  answered: 'answered',
  requiredOpen: 'required still open',
  due: 'Due',
  saveContinue: 'Save and continue',
  save: 'Save',
  review: 'Review and submit',
  language: 'Language',
  contextFacts: 'Set by the requester',
  notSet: 'Not set',
  conflict: 'Someone saved a newer answer to this question, so your change was not saved.',
  newer: 'The newer answer',
  by: 'saved by',
  at: 'at',
  reload: 'Reload this section to continue from the newer answer.',
  empty: '(empty)',
  offline: 'Answer offline with a spreadsheet',
  saved: 'Saved.',
  fixErrors: 'Some answers could not be saved. Check the fields marked below.',
  submitted: 'This assessment has been submitted; the answers are shown read-only.',
  evidence: 'Evidence',
  addFile: 'Add a file',
  upload: 'Upload',
  changeRequested: 'The requester asks you to look at this again:',
  changesRequested: 'The requester reviewed your answers and asks for changes to these questions:',
  resubmit: 'When you have made the changes, submit again from the review page.',
  carried: 'answers were filled in from your previous submission. Check each one: keep it, or change it.',
  carriedOne: 'From your previous submission',
  // Link pages (interstitial, fresh access), review, receipt, offline, evidence, layout.
  linkTitle: 'Security questionnaire',
  asksYou: 'asks you to complete a security questionnaire',
  requestedBy: 'Requested by',
  sentBy: 'Sent by',
  forVendor: 'For',
  questionnaire: 'Questionnaire',
  noDue: 'No due date',
  sentTo: 'Sent to',
  linkOnce:
    'This link works once: continuing opens a session in this browser, and your answers are saved as you go. If you need to come back later from another device, the page a used link leads to lets you ask for a new one.',
  continueQuestionnaire: 'Continue to the questionnaire',
  noPassword: 'Assay never asks for a password. If you did not expect this request, ask',
  noPasswordEnd: 'through a channel you already know.',
  closedTitle: 'Questionnaire closed',
  withdrawn: 'This request was withdrawn',
  closedSubmitted: 'This questionnaire has been submitted',
  forTenant: 'for',
  isClosed: 'is closed: nothing more can be changed through this link.',
  mistake: 'If you think this is a mistake, contact',
  goneTitle: 'Link no longer valid',
  spent: 'This link has already been used',
  revoked: 'This link was replaced by a newer one',
  expired: 'This link has expired',
  wasFor: 'It was for',
  fromTenant: 'from',
  dueOn: 'due',
  spentWhy: 'Links work once, and some mail filters open links before you do.',
  newAccess: 'Get new access',
  typeEmail: 'Type the email address the request was sent to',
  typeEmailEnd:
    'If it matches, we email a new link and a 6-digit code; type the code on this page to continue here.',
  emailLabel: 'Email address',
  emailMe: 'Email me new access',
  emailInvalid: 'Enter the email address the request was sent to, like name@example.com.',
  invalidTitle: 'Link not valid',
  invalid: 'This link is not valid',
  invalidText:
    'Check that you opened or copied the whole link from the email. If it still does not work, ask the sender to send the questionnaire again.',
  checkEmail: 'Check your email',
  checkEmailText: 'If the address you typed is the one the request for',
  checkEmailTextEnd:
    'was sent to, an email with a new link and a 6-digit code is on its way. The code works on this page, in this browser, for 10 minutes.',
  code: '6-digit code',
  continue: 'Continue',
  noEmail: 'No email after a few minutes? Check your spam folder, or ask',
  noEmailEnd: ' to send the questionnaire again.',
  problem: 'There is a problem',
  errorPrefix: 'Error: ',
  skip: 'Skip to main content',
  tagline: 'vendor risk portal',
  answersSaved: 'answers saved.',
  answerSaved: 'answer saved.',
  signOut: 'Sign out',
  signedOutTitle: 'You are signed out',
  signedOutText:
    'Your answers are saved. To come back, open the link from the email again; if it was used already, the page it leads to lets you ask for a new one.',
  needsOne: 'question needs attention',
  needsMany: 'questions need attention',
  answerThese: 'Answer these, then come back here to submit.',
  allAnswered:
    'Everything required is answered. Once you submit, the answers can no longer change, and you get a signed receipt.',
  files: 'Files',
  bytes: 'bytes',
  otpAsk: ' asks you to confirm the submission with a code sent to your email.',
  emailCode: 'Email me a code',
  submit: 'Submit answers',
  codeSent: 'We emailed you a 6-digit code. It works for 10 minutes, in this session.',
  receiptTitle: 'Receipt',
  submittedHeading: 'Submitted',
  yourAnswers: 'Your answers to',
  submittedTo: 'were submitted to',
  submittedToEnd: '. A copy of this receipt was emailed to you.',
  submittedAt: 'Submitted at',
  answersHash: 'Answers SHA-256',
  signedReceipt: 'Signed receipt',
  receiptProves: 'It proves what you submitted and when. Anyone can check it offline with the public keys at',
  orPem: '(or',
  orPemEnd: 'for openssl).',
  downloadReceipt: 'Download the receipt (.jws)',
  receipt: 'Receipt',
  offlineIntro:
    'Download the questionnaire, fill in the answer column, and upload the file here. You will see what would change before anything is saved.',
  downloadXlsx: 'Download as Excel (XLSX)',
  downloadCsv: 'Download as CSV',
  spreadsheet: 'Filled-in spreadsheet (XLSX or CSV, at most',
  checkFile: 'Check the file',
  back: 'Back to the questionnaire',
  checkImport: 'Check the import',
  nothingSaved: 'Nothing has been saved yet.',
  nAccepted: 'accepted',
  nUnchanged: 'unchanged',
  nRejected: 'rejected',
  rejectedRows: 'Rejected',
  acceptedRows: 'Accepted',
  unchangedRows: 'Unchanged',
  row: 'Row',
  question: 'Question',
  value: 'Value',
  reason: 'Reason',
  newAnswer: 'New answer',
  applyPre: 'Apply ',
  applyPost: ' answers',
  uploadAnother: 'Upload another file',
  importApplied: 'Import applied',
  notOverwritten:
    'These answers were changed by someone else after you checked the file, so they were not overwritten:',
  noFiles: 'No files yet.',
  remove: 'Remove',
  uploaded: 'Uploaded',
  removed: 'File removed.',
  commentMark: '(comment)',
  // Error pages and fragments (src/http/error-locale.ts).
  notFoundTitle: 'Page not found',
  failedTitle: 'Sorry, something went wrong',
  refusedTitle: 'We could not do that',
  errorTitle: 'Something went wrong',
  // The title of an error page that says what happened (see errorLocale).
  submittedTitle: 'Already submitted',
  postOnlyTitle: 'Use the button on the page',
  referenceLong: 'If you contact support, quote this reference:',
  errorWord: 'error',
  referenceShort: 'Reference:',
  startPage: 'Go to the start page',
};
const DE: Words = {
  yes: 'Ja',
  no: 'Nein',
  na: 'Nicht zutreffend',
  choose: 'Bitte wählen…',
  required: 'erforderlich',
  optional: 'optional',
  comment: 'Kommentar',
  sections: 'Abschnitte',
  progress: 'Fortschritt',
  answered: 'beantwortet',
  requiredOpen: 'Pflichtfragen offen',
  due: 'Fällig',
  saveContinue: 'Speichern und weiter',
  save: 'Speichern',
  review: 'Prüfen und absenden',
  language: 'Sprache',
  contextFacts: 'Vom Anfragenden festgelegt',
  notSet: 'Nicht festgelegt',
  conflict:
    'Jemand hat eine neuere Antwort auf diese Frage gespeichert; Ihre Änderung wurde nicht gespeichert.',
  newer: 'Die neuere Antwort',
  by: 'gespeichert von',
  at: 'am',
  reload: 'Laden Sie diesen Abschnitt neu, um mit der neueren Antwort weiterzuarbeiten.',
  empty: '(leer)',
  offline: 'Offline mit einer Tabelle beantworten',
  saved: 'Gespeichert.',
  fixErrors: 'Einige Antworten konnten nicht gespeichert werden. Prüfen Sie die markierten Felder.',
  submitted: 'Diese Prüfung wurde abgesendet; die Antworten werden nur angezeigt.',
  evidence: 'Nachweise',
  addFile: 'Datei hinzufügen',
  upload: 'Hochladen',
  changeRequested: 'Der Anfragende bittet Sie, dies noch einmal zu prüfen:',
  changesRequested: 'Der Anfragende hat Ihre Antworten geprüft und bittet um Änderungen an diesen Fragen:',
  resubmit: 'Wenn Sie die Änderungen vorgenommen haben, senden Sie erneut über die Prüfseite ab.',
  carried:
    'Antworten wurden aus Ihrer vorigen Einreichung übernommen. Prüfen Sie jede: behalten oder ändern.',
  carriedOne: 'Aus Ihrer vorigen Einreichung',
  linkTitle: 'Sicherheitsfragebogen',
  asksYou: 'bittet Sie, einen Sicherheitsfragebogen auszufüllen',
  requestedBy: 'Angefragt von',
  sentBy: 'Gesendet von',
  forVendor: 'Für',
  questionnaire: 'Fragebogen',
  noDue: 'Kein Fälligkeitsdatum',
  sentTo: 'Gesendet an',
  linkOnce:
    'Dieser Link funktioniert nur einmal: Wenn Sie fortfahren, wird in diesem Browser eine Sitzung geöffnet, und Ihre Antworten werden laufend gespeichert. Wenn Sie später von einem anderen Gerät weiterarbeiten möchten, können Sie auf der Seite, zu der ein bereits verwendeter Link führt, einen neuen anfordern.',
  continueQuestionnaire: 'Weiter zum Fragebogen',
  noPassword:
    'Assay fragt nie nach einem Passwort. Wenn Sie diese Anfrage nicht erwartet haben, fragen Sie bei',
  noPasswordEnd: 'über einen Ihnen bekannten Kanal nach.',
  closedTitle: 'Fragebogen abgeschlossen',
  withdrawn: 'Diese Anfrage wurde zurückgezogen',
  closedSubmitted: 'Dieser Fragebogen wurde abgesendet',
  forTenant: 'für',
  isClosed: 'ist abgeschlossen: Über diesen Link kann nichts mehr geändert werden.',
  mistake: 'Wenn Sie das für einen Irrtum halten, wenden Sie sich an',
  goneTitle: 'Link nicht mehr gültig',
  spent: 'Dieser Link wurde bereits verwendet',
  revoked: 'Dieser Link wurde durch einen neueren ersetzt',
  expired: 'Dieser Link ist abgelaufen',
  wasFor: 'Er galt für',
  fromTenant: 'von',
  dueOn: 'fällig am',
  spentWhy: 'Links funktionieren nur einmal, und manche Mailfilter öffnen Links, bevor Sie es tun.',
  newAccess: 'Neuen Zugang anfordern',
  typeEmail: 'Geben Sie die E-Mail-Adresse ein, an die die Anfrage gesendet wurde',
  typeEmailEnd:
    'Wenn sie übereinstimmt, senden wir Ihnen einen neuen Link und einen 6-stelligen Code per E-Mail; geben Sie den Code auf dieser Seite ein, um hier fortzufahren.',
  emailLabel: 'E-Mail-Adresse',
  emailMe: 'Neuen Zugang per E-Mail anfordern',
  emailInvalid: 'Geben Sie die E-Mail-Adresse ein, an die die Anfrage gesendet wurde, etwa name@example.com.',
  invalidTitle: 'Link ungültig',
  invalid: 'Dieser Link ist nicht gültig',
  invalidText:
    'Prüfen Sie, ob Sie den vollständigen Link aus der E-Mail geöffnet oder kopiert haben. Wenn er weiterhin nicht funktioniert, bitten Sie den Absender, den Fragebogen erneut zu senden.',
  checkEmail: 'Prüfen Sie Ihre E-Mails',
  checkEmailText: 'Wenn die eingegebene Adresse die ist, an die die Anfrage zu',
  checkEmailTextEnd:
    'gesendet wurde, ist eine E-Mail mit einem neuen Link und einem 6-stelligen Code unterwegs. Der Code gilt 10 Minuten lang auf dieser Seite und in diesem Browser.',
  code: '6-stelliger Code',
  continue: 'Weiter',
  noEmail: 'Nach einigen Minuten noch keine E-Mail? Sehen Sie in Ihrem Spam-Ordner nach, oder bitten Sie',
  noEmailEnd: ', den Fragebogen erneut zu senden.',
  problem: 'Es gibt ein Problem',
  errorPrefix: 'Fehler: ',
  skip: 'Zum Inhalt springen',
  tagline: 'Portal für Lieferantenrisiken',
  answersSaved: 'Antworten gespeichert.',
  answerSaved: 'Antwort gespeichert.',
  signOut: 'Abmelden',
  signedOutTitle: 'Sie sind abgemeldet',
  signedOutText:
    'Ihre Antworten sind gespeichert. Um weiterzumachen, öffnen Sie den Link aus der E-Mail erneut; wurde er schon verwendet, können Sie auf der Seite, zu der er führt, einen neuen anfordern.',
  needsOne: 'Frage braucht Ihre Aufmerksamkeit',
  needsMany: 'Fragen brauchen Ihre Aufmerksamkeit',
  answerThese: 'Beantworten Sie diese und kommen Sie dann zum Absenden hierher zurück.',
  allAnswered:
    'Alle Pflichtfragen sind beantwortet. Nach dem Absenden können die Antworten nicht mehr geändert werden, und Sie erhalten eine signierte Quittung.',
  files: 'Dateien',
  bytes: 'Byte',
  otpAsk: ' bittet Sie, das Absenden mit einem Code zu bestätigen, den wir an Ihre E-Mail-Adresse senden.',
  emailCode: 'Code per E-Mail anfordern',
  submit: 'Antworten absenden',
  codeSent: 'Wir haben Ihnen einen 6-stelligen Code gesendet. Er gilt 10 Minuten lang in dieser Sitzung.',
  receiptTitle: 'Quittung',
  submittedHeading: 'Abgesendet',
  yourAnswers: 'Ihre Antworten zu',
  submittedTo: 'wurden übermittelt an',
  submittedToEnd: '. Eine Kopie dieser Quittung wurde Ihnen per E-Mail gesendet.',
  submittedAt: 'Abgesendet am',
  answersHash: 'SHA-256 der Antworten',
  signedReceipt: 'Signierte Quittung',
  receiptProves:
    'Sie belegt, was Sie wann abgesendet haben. Jeder kann sie offline mit den öffentlichen Schlüsseln prüfen unter',
  orPem: '(oder',
  orPemEnd: 'für openssl).',
  downloadReceipt: 'Quittung herunterladen (.jws)',
  receipt: 'Quittung',
  offlineIntro:
    'Laden Sie den Fragebogen herunter, füllen Sie die Antwortspalte aus und laden Sie die Datei hier hoch. Sie sehen, was sich ändern würde, bevor etwas gespeichert wird.',
  downloadXlsx: 'Als Excel-Datei (XLSX) herunterladen',
  downloadCsv: 'Als CSV herunterladen',
  spreadsheet: 'Ausgefüllte Tabelle (XLSX oder CSV, höchstens',
  checkFile: 'Datei prüfen',
  back: 'Zurück zum Fragebogen',
  checkImport: 'Import prüfen',
  nothingSaved: 'Es wurde noch nichts gespeichert.',
  nAccepted: 'übernommen',
  nUnchanged: 'unverändert',
  nRejected: 'abgelehnt',
  rejectedRows: 'Abgelehnt',
  acceptedRows: 'Übernommen',
  unchangedRows: 'Unverändert',
  row: 'Zeile',
  question: 'Frage',
  value: 'Wert',
  reason: 'Grund',
  newAnswer: 'Neue Antwort',
  applyPre: '',
  applyPost: ' Antworten übernehmen',
  uploadAnother: 'Andere Datei hochladen',
  importApplied: 'Import übernommen',
  notOverwritten:
    'Diese Antworten wurden von jemand anderem geändert, nachdem Sie die Datei geprüft hatten; sie wurden daher nicht überschrieben:',
  noFiles: 'Noch keine Dateien.',
  remove: 'Entfernen',
  uploaded: 'Hochgeladen:',
  removed: 'Datei entfernt.',
  commentMark: '(Kommentar)',
  notFoundTitle: 'Seite nicht gefunden',
  failedTitle: 'Leider ist etwas schiefgelaufen',
  refusedTitle: 'Das war leider nicht möglich',
  errorTitle: 'Etwas ist schiefgelaufen',
  submittedTitle: 'Bereits abgesendet',
  postOnlyTitle: 'Verwenden Sie die Schaltfläche auf der Seite',
  referenceLong: 'Wenn Sie sich an den Support wenden, nennen Sie diese Referenz:',
  errorWord: 'Fehler',
  referenceShort: 'Referenz:',
  startPage: 'Zur Startseite',
};
const FR: Words = {
  ...EN,
  yes: 'Oui',
  no: 'Non',
  na: 'Sans objet',
  saveContinue: 'Enregistrer et continuer',
  review: 'Vérifier et envoyer',
  language: 'Langue',
  progress: 'Progression',
  sections: 'Sections',
  notFoundTitle: 'Page introuvable',
  errorTitle: 'Une erreur s’est produite',
  submittedTitle: 'Déjà envoyé',
  referenceShort: 'Référence :',
};
const WORDS: Record<string, Words> = { en: EN, de: DE, fr: FR };

/** The portal's words in a locale (by language, else English): every vendor page takes its text here. */
export function words(locale: string): Words {
  return WORDS[locale] ?? WORDS[locale.split('-')[0] ?? ''] ?? EN;
}

/** Whether the portal has words of its own in this language (else its pages are English). */
export const hasWords = (locale: string): boolean => Object.hasOwn(WORDS, locale);

const MESSAGES: Record<string, Partial<Messages>> = { de: MESSAGES_DE, fr: MESSAGES_FR };

/**
 * A keyed message in a locale: the sentence of `said` from the table, its parts filled in, or `own`
 * (the error's English text, written where it was raised) for English, an unkeyed message, or a key the
 * language lacks. Parameters are inserted as text; every template escapes what it shows.
 */
export function say(locale: string, said: Said | undefined, own: string): string {
  if (!said) return own;
  const table = MESSAGES[locale] ?? MESSAGES[locale.split('-')[0] ?? ''];
  const sentence = table && Object.hasOwn(table, said.key) ? table[said.key as keyof Messages] : undefined;
  return sentence === undefined ? own : fill(sentence, said.params);
}

/** An error's field messages in a locale (each by its key where it has one). */
export function sayFields(
  locale: string,
  fields: Readonly<Record<string, string>> | undefined,
  saids: Readonly<Record<string, Said>> | undefined,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(fields ?? {}).map(([name, text]) => [name, say(locale, saids?.[name], text)]),
  );
}

/**
 * Refusals whose page is titled by what happened rather than "Something went wrong" / "We could not do
 * that": the words of the title (`<title>` and heading) by the refusal's key.
 */
const TITLED: Readonly<Record<string, 'submittedTitle' | 'postOnlyTitle'>> = {
  'vendor.submitted': 'submittedTitle',
  'vendor.submittedShort': 'submittedTitle',
  'vendor.alreadySubmitted': 'submittedTitle',
  'vendor.postOnly': 'postOnlyTitle',
};

/**
 * What the error handler needs to render an error page of the portal in `lang`; `said`, the error's own
 * sentence, gives the page a title that says what happened where TITLED has one.
 */
export function errorLocale(lang: string, said?: Said): ErrorLocale {
  const w = words(lang);
  const titled = said && Object.hasOwn(TITLED, said.key) ? w[TITLED[said.key]!] : undefined;
  return {
    lang,
    chrome: {
      notFoundTitle: w.notFoundTitle,
      failedTitle: w.failedTitle,
      refusedTitle: titled ?? w.refusedTitle,
      errorTitle: titled ?? w.errorTitle,
      reference: w.referenceLong,
      errorWord: w.errorWord,
      referenceShort: w.referenceShort,
      startPage: w.startPage,
      problem: w.problem,
      skip: w.skip,
      tagline: w.tagline,
    },
    say: (said) => {
      const text = say(lang, said, '');
      return text === '' ? undefined : text;
    },
  };
}

/** The language switch of every portal page: each of the questionnaire's locales, the current one marked. */
export const localeSwitch = (locales: readonly string[], current: string) =>
  locales.map((code) => ({ code, current: code === current }));
