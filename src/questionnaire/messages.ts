import type { Text } from './types.js';

/**
 * The engine's own messages, shown to respondents next to the questionnaire's texts. Each is a Text
 * so `localize` picks the respondent's language and falls back like any questionnaire text.
 */
/** The least an N/A justification says (na: justify): a reason, not a placeholder such as "x" or "n/a". */
export const NA_JUSTIFICATION_MIN_WORDS = 2;
/** Letters and digits over the different words, one space between them (src/questionnaire/justification.ts). */
export const NA_JUSTIFICATION_MIN_LENGTH = 15;
/** The same for text mostly in a script written without spaces (Chinese, Japanese, Thai, ...). */
export const NA_JUSTIFICATION_MIN_LETTERS_UNSPACED = 8;

const t = (en: string, de: string, fr: string): Text => Object.freeze({ en, de, fr });

export const MESSAGES = {
  required: t('An answer is required.', 'Eine Antwort ist erforderlich.', 'Une réponse est requise.'),
  commentRequired: t(
    'A comment is required.',
    'Ein Kommentar ist erforderlich.',
    'Un commentaire est requis.',
  ),
  evidenceRequired: t(
    'Evidence is required: attach at least one file.',
    'Ein Nachweis ist erforderlich: Fügen Sie mindestens eine Datei bei.',
    'Une preuve est requise : joignez au moins un fichier.',
  ),
  notYesNoNa: t(
    'Answer yes, no or not applicable.',
    'Antworten Sie mit Ja, Nein oder Nicht zutreffend.',
    'Répondez oui, non ou sans objet.',
  ),
  notYesNo: t('Answer yes or no.', 'Antworten Sie mit Ja oder Nein.', 'Répondez oui ou non.'),
  notAnOption: t(
    'Choose one of the listed options.',
    'Wählen Sie eine der aufgeführten Optionen.',
    'Choisissez une des options proposées.',
  ),
  notOptions: t(
    'Choose only from the listed options, each at most once.',
    'Wählen Sie nur aus den aufgeführten Optionen, jede höchstens einmal.',
    'Choisissez uniquement parmi les options proposées, chacune au plus une fois.',
  ),
  exclusive: t(
    'This option cannot be combined with other options.',
    'Diese Option kann nicht mit anderen Optionen kombiniert werden.',
    'Cette option ne peut pas être combinée avec d’autres options.',
  ),
  notText: t('Enter text.', 'Geben Sie einen Text ein.', 'Saisissez un texte.'),
  notNumber: t('Enter a number.', 'Geben Sie eine Zahl ein.', 'Saisissez un nombre.'),
  notDate: t(
    'Enter a valid date (YYYY-MM-DD).',
    'Geben Sie ein gültiges Datum ein (JJJJ-MM-TT).',
    'Saisissez une date valide (AAAA-MM-JJ).',
  ),
  notFiles: t(
    'Attach files as evidence.',
    'Fügen Sie Dateien als Nachweis bei.',
    'Joignez des fichiers comme preuves.',
  ),
  tooLong: (max: number): Text =>
    t(
      `Use at most ${max} characters.`,
      `Verwenden Sie höchstens ${max} Zeichen.`,
      `Utilisez au plus ${max} caractères.`,
    ),
  tooSmall: (min: number): Text =>
    t(
      `Enter a number of at least ${min}.`,
      `Geben Sie eine Zahl ab ${min} ein.`,
      `Saisissez un nombre supérieur ou égal à ${min}.`,
    ),
  tooLarge: (max: number): Text =>
    t(
      `Enter a number of at most ${max}.`,
      `Geben Sie eine Zahl bis ${max} ein.`,
      `Saisissez un nombre inférieur ou égal à ${max}.`,
    ),
  tooManyFiles: (max: number): Text =>
    t(
      `Attach at most ${max} files.`,
      `Fügen Sie höchstens ${max} Dateien bei.`,
      `Joignez au plus ${max} fichiers.`,
    ),
  commentNotText: t(
    'The comment must be text.',
    'Der Kommentar muss ein Text sein.',
    'Le commentaire doit être un texte.',
  ),
  commentTooLong: (max: number): Text =>
    t(
      `The comment may have at most ${max} characters.`,
      `Der Kommentar darf höchstens ${max} Zeichen haben.`,
      `Le commentaire peut contenir au plus ${max} caractères.`,
    ),
  naForbidden: t(
    'Not applicable is not accepted for this question; answer yes or no.',
    'Nicht zutreffend ist bei dieser Frage nicht möglich; antworten Sie mit Ja oder Nein.',
    'Sans objet n’est pas accepté pour cette question ; répondez oui ou non.',
  ),
  naJustify: t(
    'Explain in the comment why this does not apply.',
    'Erläutern Sie im Kommentar, warum dies nicht zutrifft.',
    'Expliquez dans le commentaire pourquoi cela ne s’applique pas.',
  ),
  naJustifyTooShort: t(
    `Give the reason why this does not apply in at least ${NA_JUSTIFICATION_MIN_WORDS} different words (${NA_JUSTIFICATION_MIN_LENGTH} letters or more); spaces, repeated words and markup do not count, and a placeholder is not a justification.`,
    `Begründen Sie in mindestens ${NA_JUSTIFICATION_MIN_WORDS} verschiedenen Wörtern (ab ${NA_JUSTIFICATION_MIN_LENGTH} Buchstaben), warum dies nicht zutrifft; Leerzeichen, wiederholte Wörter und Markup zählen nicht, ein Platzhalter ist keine Begründung.`,
    `Indiquez en au moins ${NA_JUSTIFICATION_MIN_WORDS} mots différents (${NA_JUSTIFICATION_MIN_LENGTH} lettres ou plus) pourquoi cela ne s’applique pas ; les espaces, les mots répétés et le balisage ne comptent pas, et un texte de remplissage n’est pas une justification.`,
  ),
  naClaimTitle: t(
    'Not applicable claimed for a must-have control — reviewer to confirm',
    'Nicht zutreffend bei einer Pflichtmaßnahme angegeben — Prüfung durch die Prüferin oder den Prüfer',
    'Sans objet déclaré pour une mesure obligatoire — à confirmer par l’évaluateur',
  ),
  naClaimRemediation: t(
    'Confirm that the control does not apply to this service, or ask the vendor to answer the question.',
    'Bestätigen Sie, dass die Maßnahme für diesen Dienst nicht zutrifft, oder bitten Sie den Lieferanten, die Frage zu beantworten.',
    'Confirmez que la mesure ne s’applique pas à ce service, ou demandez au fournisseur de répondre à la question.',
  ),
  contextInvalid: t(
    'The value set by the requester is not valid for this question; they need to correct it.',
    'Der vom Auftraggeber gesetzte Wert ist für diese Frage ungültig; er muss ihn korrigieren.',
    'La valeur fixée par le demandeur n’est pas valide pour cette question ; il doit la corriger.',
  ),
  evidenceNotFiles: t(
    'The evidence must be a list of attached files.',
    'Der Nachweis muss eine Liste beigefügter Dateien sein.',
    'La preuve doit être une liste de fichiers joints.',
  ),
} as const;
