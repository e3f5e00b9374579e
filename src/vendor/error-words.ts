/**
 * The refusals the vendor portal can show, per language: the keyed sentences of the vendor side
 * (refusals.ts), evidence (src/evidence/messages.ts), the spreadsheet import (its per-row reasons:
 * src/questionnaire/spreadsheet/reasons.ts), the shared HTTP layer (src/http/messages.ts) and the status
 * codes' own sentences. English is each module's own text, so it is never written twice; German must
 * have every key (the type says so, and test/vendor/portal-errors-language.test.ts checks it at run
 * time); French has what it has, the rest stays English.
 */
import { OTHER_STATUS_TEXT, STATUS_TEXT } from '../errors.js';
import { EVIDENCE_MESSAGES } from '../evidence/messages.js';
import { HTTP_MESSAGES } from '../http/messages.js';
import type { SpreadsheetErrorCode } from '../questionnaire/spreadsheet/errors.js';
import { IMPORT_REASONS } from '../questionnaire/spreadsheet/reasons.js';
import { VENDOR_REFUSALS } from './refusals.js';

/**
 * What kind of problem a refused spreadsheet has, by its error code. English pages show the import's
 * own detailed message instead; these are for the other languages, and list the codes.
 */
const SHEET_EN: Record<`sheet.${SpreadsheetErrorCode}`, string> = {
  'sheet.not-bytes': 'No file was received.',
  'sheet.too-large': 'The file is too large.',
  'sheet.not-xlsx': 'The file could not be read as an Excel workbook (.xlsx).',
  'sheet.corrupt-zip': 'The XLSX file is damaged.',
  'sheet.unsupported-zip': 'The XLSX file is packed in a way that is not supported.',
  'sheet.zip-bomb': 'The XLSX file unpacks to too much data.',
  'sheet.too-many-entries': 'The XLSX file has too many parts.',
  'sheet.unsafe-entry': 'The XLSX file contains a part that is not safe.',
  'sheet.unsafe-xml': 'The XLSX file contains XML that is not safe.',
  'sheet.too-many-sheets': 'The workbook has too many sheets.',
  'sheet.too-many-rows': 'The file has too many rows.',
  'sheet.too-many-cells': 'The file has too many cells.',
  'sheet.not-an-export':
    'The file is not an export of this questionnaire. Download it here and fill that in.',
  'sheet.unsupported-format': 'The file was exported in a format this portal does not read.',
  'sheet.missing-questionnaire-ref': 'The file does not say which questionnaire it belongs to.',
  'sheet.other-questionnaire': 'The file belongs to another questionnaire.',
  'sheet.other-version': 'The file belongs to another version of this questionnaire.',
  'sheet.missing-column': 'A column the import needs is missing from the file.',
  'sheet.duplicate-column': 'A column appears more than once in the file.',
  'sheet.bad-encoding': 'The CSV file is not encoded as UTF-8.',
  'sheet.bad-csv': 'The CSV file is malformed.',
};

const STATUS_EN = {
  ...Object.fromEntries(Object.entries(STATUS_TEXT).map(([status, text]) => [`status.${status}`, text])),
  'status.other': OTHER_STATUS_TEXT,
} as Record<
  | `status.${400 | 401 | 403 | 404 | 405 | 408 | 409 | 410 | 413 | 415 | 422 | 429 | 500 | 503}`
  | 'status.other',
  string
>;

export const MESSAGES_EN = {
  ...VENDOR_REFUSALS,
  ...EVIDENCE_MESSAGES,
  ...IMPORT_REASONS,
  ...HTTP_MESSAGES,
  ...SHEET_EN,
  ...STATUS_EN,
};
export type MessageKey = keyof typeof MESSAGES_EN;
export type Messages = Record<MessageKey, string>;

const UNSTORABLE_DE =
  'enthält ein Zeichen, das nicht gespeichert werden kann (ein NUL-Byte oder ein einzelnes Surrogat). Entfernen Sie es und versuchen Sie es erneut.';

export const MESSAGES_DE: Messages = {
  // The vendor side.
  'vendor.sessionEnded':
    'Ihre Sitzung ist beendet. Öffnen Sie den Link aus Ihrer Einladungs-E-Mail erneut, oder fordern Sie auf der Seite, zu der er führt, einen neuen an.',
  'vendor.langUnavailable': 'Dieser Fragebogen ist verfügbar in: {locales}. Wählen Sie eine dieser Sprachen.',
  'vendor.noSection': 'Dieser Fragebogen hat keinen solchen Abschnitt.',
  'vendor.sectionHidden': 'Dieser Abschnitt trifft mit Ihren aktuellen Antworten nicht zu.',
  'vendor.noQuestion': 'Dieser Fragebogen hat keine solche Frage.',
  'vendor.noQuestionToAnswer': 'Dieser Fragebogen hat keine solche Frage, die Sie beantworten könnten.',
  'vendor.questionHidden':
    'Diese Frage trifft mit Ihren aktuellen Antworten nicht zu; die Antwort wurde daher nicht gespeichert.',
  'vendor.assessmentNotFound': 'Wir konnten diese Prüfung nicht finden.',
  'vendor.noAssessment': 'Diese Prüfung gibt es nicht.',
  'vendor.revisionsMissing':
    'Dem Formular fehlen die Revisionsnummern. Laden Sie die Seite neu und versuchen Sie es erneut.',
  'vendor.submitted':
    'Diese Prüfung wurde abgesendet; die Antworten können nicht mehr geändert werden. Wenden Sie sich an den Anfragenden, wenn etwas korrigiert werden muss.',
  'vendor.submittedShort': 'Diese Prüfung wurde abgesendet; die Antworten können nicht mehr geändert werden.',
  'vendor.alreadySubmitted':
    'Dieser Fragebogen wurde bereits abgesendet; die Antworten können nicht mehr geändert werden.',
  'vendor.notSubmittedYet': 'Dieser Fragebogen wurde noch nicht abgesendet.',
  'vendor.issuesLeftOne':
    '{count} Frage braucht noch eine Antwort oder eine Korrektur, bevor Sie absenden können.',
  'vendor.issuesLeftMany':
    '{count} Fragen brauchen noch eine Antwort oder eine Korrektur, bevor Sie absenden können.',
  'vendor.chooseSpreadsheet': 'Wählen Sie die Tabellendatei aus, die Sie hochladen möchten.',
  'vendor.chooseFile': 'Wählen Sie eine Datei aus.',
  'vendor.fileTooLarge': 'Die Datei ist zu groß.',
  'vendor.spreadsheetType':
    'Laden Sie die Tabelle als Datei hoch (multipart/form-data), oder senden Sie sie als text/csv oder als XLSX-Inhalt.',
  'vendor.fileEmpty': 'Die Datei ist leer. Wählen Sie die Tabelle aus, die Sie ausgefüllt haben.',
  'vendor.xlsxUnavailable':
    'XLSX-Dateien können auf diesem Server nicht hochgeladen werden; laden Sie stattdessen den CSV-Export hoch.',
  'vendor.notFromSheet': 'Diese Antwort kann nicht über eine Tabelle gesetzt werden.',
  'vendor.importFormChanged':
    'Das Importformular wurde verändert oder ist veraltet. Laden Sie die Datei erneut hoch.',
  'vendor.nothingToApply': 'Es gibt nichts zu übernehmen. Laden Sie zuerst eine ausgefüllte Tabelle hoch.',
  'vendor.importInvalid': 'Eine importierte Antwort ist ungültig: {reason} Es wurde nichts gespeichert.',
  'vendor.noCodeNeeded': 'Für diesen Fragebogen ist zum Absenden kein Code nötig.',
  'vendor.submitCodeTooOften':
    'Es wurde zu oft ein Code angefordert. Warten Sie eine Stunde, oder verwenden Sie den zuletzt erhaltenen Code.',
  'vendor.enterCode': 'Geben Sie den 6-stelligen Code aus der E-Mail ein.',
  'vendor.submitCodeWrong': 'Dieser Code ist nicht richtig, oder er wurde durch einen neueren ersetzt.',
  'vendor.codeNotRight': 'Dieser Code ist nicht richtig.',
  'vendor.submitTriesPerDay':
    'Für diese Prüfung wurden heute zu viele Codes ausprobiert. Versuchen Sie es morgen erneut.',
  'vendor.submitNoLiveCode': 'Für diese Sitzung gibt es keinen gültigen Code: Fordern Sie einen neuen an.',
  'vendor.askNewCode': 'Fordern Sie einen neuen Code an.',
  'vendor.submitTooManyWrong': 'Zu viele falsche Codes. Fordern Sie einen neuen an.',
  'vendor.linkUnusable': 'Dieser Link wurde bereits verwendet oder ist abgelaufen.',
  'vendor.linkInvalid':
    'Dieser Link ist nicht gültig. Prüfen Sie, ob Sie ihn vollständig aus der E-Mail kopiert haben.',
  'vendor.closed': 'Diese Prüfung ist abgeschlossen: Sie wurde abgesendet oder zurückgezogen.',
  'vendor.freshTooOften':
    'Es wurde zu oft ein neuer Link angefordert. Warten Sie eine Stunde, oder bitten Sie den Absender um Hilfe.',
  'vendor.codeOtherBrowser':
    'Dieser Code funktioniert nur in dem Browser, in dem Sie ihn angefordert haben. Fordern Sie hier einen neuen an.',
  'vendor.accessTriesPerDay':
    'Für diese Prüfung wurden heute zu viele Codes ausprobiert. Versuchen Sie es morgen erneut, oder wenden Sie sich an den Absender.',
  'vendor.codeStale':
    'Dieser Code ist abgelaufen oder wurde durch einen neueren ersetzt. Fordern Sie hier einen neuen an.',
  'vendor.accessTooManyWrong': 'Zu viele falsche Codes. Fordern Sie hier einen neuen an.',
  'vendor.codeWrongLeftOne': 'Dieser Code ist nicht richtig. Sie haben noch {left} Versuch.',
  'vendor.codeWrongLeftMany': 'Dieser Code ist nicht richtig. Sie haben noch {left} Versuche.',
  'vendor.codeWrongNone': 'Dieser Code ist nicht richtig. Fordern Sie hier einen neuen an.',
  'vendor.postOnly':
    'Diese Adresse nimmt nur das Formular an, das eine Schaltfläche auf der Seite sendet; sie aufzurufen hat nichts geändert. Gehen Sie zurück und verwenden Sie die Schaltfläche.',
  // Evidence.
  'evidence.partMalformed': 'Der Kopf eines Formularteils ist fehlerhaft.',
  'evidence.partRepeated': 'Der Kopf eines Formularteils ist doppelt vorhanden.',
  'evidence.noDisposition': 'Einem Formularteil fehlt die Content-Disposition.',
  'evidence.notFormData': 'Ein Formularteil ist kein Formularinhalt (form-data).',
  'evidence.noFieldName': 'Einem Formularteil fehlt der Feldname.',
  'evidence.nameMalformed': 'Ein Dateiname ist fehlerhaft.',
  'evidence.uploadTooLarge': 'Der Upload ist zu groß.',
  'evidence.uploadMalformed': 'Der Upload ist fehlerhaft.',
  'evidence.headerTooLarge': 'Der Kopf eines Formularteils ist zu groß.',
  'evidence.incomplete': 'Der Upload ist nicht vollständig angekommen. Versuchen Sie es erneut.',
  'evidence.notMultipart': 'Senden Sie die Datei als multipart/form-data.',
  'evidence.noFile': 'Wählen Sie eine Datei zum Hochladen aus.',
  'evidence.fieldTooLarge': 'Ein Formularfeld ist zu groß.',
  'evidence.tooManyParts': 'Der Upload hat zu viele Teile.',
  'evidence.fileTooLarge': 'Die Datei ist zu groß.',
  'evidence.manyFiles': 'Laden Sie jeweils nur eine Datei hoch.',
  'evidence.notFound': 'Wir konnten diese Prüfung oder Datei nicht finden.',
  'evidence.replacedGone':
    'Die Datei, die Sie ersetzen möchten, ist nicht mehr aktuell (entfernt oder bereits ersetzt); laden Sie die Seite neu und versuchen Sie es erneut.',
  'evidence.closed': 'Diese Prüfung wurde abgesendet; ihre Dateien können nicht mehr geändert werden.',
  'evidence.noFilesHere': 'Diese Frage nimmt keine Dateien an.',
  'evidence.nameMissing': 'Die Datei hat keinen Namen.',
  'evidence.nameControl': 'Der Dateiname enthält Zeichen, die nicht erlaubt sind.',
  'evidence.doubleExtension': 'Der Dateiname verbirgt vor seiner Endung einen anderen Dateityp.',
  'evidence.noExtension': 'Der Dateiname hat keine Endung.',
  'evidence.typeNotAllowed': 'Diese Frage nimmt nur Dateien dieser Typen an: {list}.',
  'evidence.malware': 'Die Datei wurde von der Prüfung auf Schadsoftware abgelehnt.',
  'evidence.badArchive': 'Die {type}-Datei ist beschädigt oder unsicher.',
  'evidence.contentMismatch': 'Der Inhalt der Datei ist keine {type}-Datei.',
  'evidence.tooManyFiles': 'Diese Frage nimmt höchstens {max} Dateien an.',
  'evidence.downloadGone':
    'Dieser Download-Link ist ungültig oder abgelaufen. Gehen Sie zurück und öffnen Sie die Datei erneut.',
  'evidence.integrityFailed':
    'Diese Datei hat die Integritätsprüfung nicht bestanden: Die gespeicherte Kopie stimmt nicht mit dem beim Hochladen erfassten SHA-256 überein ({sha256}), daher wurde sie nicht gesendet. Der Fehler wurde protokolliert; wenden Sie sich an Ihre Administration.',
  'evidence.blobMissing':
    'Diese Datei hat die Integritätsprüfung nicht bestanden: Ihre gespeicherte Kopie fehlt (beim Hochladen erfasster SHA-256: {sha256}), daher kann sie nicht gesendet werden. Der Fehler wurde protokolliert; wenden Sie sich an Ihre Administration.',
  // The spreadsheet import, per row.
  'import.formula':
    'Formelzellen werden nicht angenommen und nicht ausgewertet; geben Sie den Wert selbst in die Zelle ein.',
  'import.idCellError': 'Die Zelle mit der Fragen-ID enthält den Fehler {error}.',
  'import.noQuestionId': 'Die Zeile hat eine Antwort oder einen Kommentar, aber keine Fragen-ID.',
  'import.unknownQuestion': '{id} ist keine Frage von {ref}; die Zeile wurde ignoriert.',
  'import.duplicate': 'Die Frage {id} steht in mehr als einer Zeile ({rows}); keine davon wurde importiert.',
  'import.contextAnswerSkipped':
    '{id} wird vom Anfragenden festgelegt und kann hier nicht geändert werden; die Antwort wurde übersprungen.',
  'import.contextCommentSkipped':
    '{id} wird vom Anfragenden festgelegt und kann hier nicht geändert werden; der Kommentar wurde übersprungen.',
  'import.fileSkipped':
    'Dateiantworten können nicht aus einer Tabelle importiert werden; laden Sie die Dateien im Portal hoch. Die Antwort wurde übersprungen.',
  'import.fileAnswer':
    'Dateiantworten können nicht aus einer Tabelle importiert werden; laden Sie die Dateien im Portal hoch.',
  'import.cellError': 'Die Zelle enthält den Tabellenfehler {error}; geben Sie den Wert selbst ein.',
  'import.merged':
    'Die Zelle ist mit einer anderen Zelle verbunden; heben Sie die Verbindung auf und geben Sie den Wert in jede Zelle ein.',
  'import.truncated':
    'Dieser Text war für eine Tabellenzelle zu lang und wurde beim Export gekürzt; ändern Sie ihn stattdessen im Portal.',
  'import.commentTooLong': 'Der Kommentar hat {length} Zeichen; erlaubt sind höchstens {max}.',
  'import.expectedOneOf': 'Erwartet wird einer dieser Werte: {allowed}.',
  'import.expectedOneOrMore': 'Erwartet werden einer oder mehrere dieser Werte: {allowed}.',
  'import.ambiguousChoice': '„{token}“ ist mehrdeutig: Es passt zu {options}. Zulässig: {allowed}.',
  'import.notAllowed': '„{token}“ ist keiner der zulässigen Werte. Zulässig: {allowed}.',
  'import.naForbidden':
    'Nicht zutreffend ist bei dieser Frage nicht möglich; antworten Sie mit Ja oder Nein.',
  'import.exclusive': '„{label}“ kann nicht mit anderen Auswahlen kombiniert werden.',
  'import.notNumber':
    '„{text}“ ist keine Zahl; schreiben Sie Ziffern, bei Bedarf mit Dezimalkomma, z. B. 4,5.',
  'import.ambiguousNumber': '„{text}“ ist mehrdeutig; schreiben Sie die Zahl ohne Tausendertrennzeichen.',
  'import.useDecimalPoint': '„{text}“ ist keine Zahl; verwenden Sie einen Dezimalpunkt, z. B. 4.5.',
  'import.expectedNumber': 'Erwartet wird eine Zahl.',
  'import.outOfRange': 'Die Zahl liegt außerhalb des zulässigen Bereichs.',
  'import.belowMin': '{value} liegt unter dem Minimum von {min}.',
  'import.aboveMax': '{value} liegt über dem Maximum von {max}.',
  'import.badDateCell': 'Die Datumszelle enthält kein gültiges Datum.',
  'import.dateOutOfRange': '{date} liegt außerhalb des unterstützten Datumsbereichs.',
  'import.expectedDate':
    'Erwartet wird ein Datum im Format JJJJ-MM-TT (eine Datumszelle der Tabelle ist auch möglich).',
  'import.notDate': '„{text}“ ist kein Datum; schreiben Sie es als JJJJ-MM-TT.',
  'import.notCalendarDate': '{text} ist kein gültiges Kalenderdatum.',
  'import.singleLine': 'Diese Frage nimmt nur eine Textzeile an; entfernen Sie die Zeilenumbrüche.',
  'import.textTooLong': 'Der Text hat {length} Zeichen; erlaubt sind höchstens {max}.',
  // The shared HTTP layer.
  'http.tooManyFields': 'Das Formular hat mehr als {max} Felder.',
  'http.nameTooLong': 'Ein Feldname ist länger als {max} Zeichen.',
  'http.nameUnstorable': `Ein Feldname ${UNSTORABLE_DE}`,
  'http.fieldUnstorable': `Das Feld „{name}“ ${UNSTORABLE_DE}`,
  'http.fileNameUnstorable': `Der Dateiname im Feld „{name}“ ${UNSTORABLE_DE}`,
  'http.removeUnstorable': 'Entfernen Sie das NUL-Byte oder das einzelne Surrogat aus diesem Wert.',
  'http.fieldTooLong': 'Das Feld „{name}“ ist länger als {max} Zeichen.',
  'http.useAtMost': 'Verwenden Sie höchstens {max} Zeichen.',
  'http.noFiles': 'Dieses Formular nimmt keine Dateien an.',
  'http.formTypes':
    'Senden Sie dieses Formular als application/x-www-form-urlencoded oder multipart/form-data, in UTF-8 kodiert.',
  'http.formUnreadable': 'Die Formulardaten konnten nicht gelesen werden. Senden Sie das Formular erneut.',
  'http.tooLarge': 'Die Anfrage ist zu groß. Die Grenze liegt hier bei {limit}.',
  'http.fragmented':
    'Der Inhalt der Anfrage kam in zu vielen kleinen Stücken an. Senden Sie ihn mit einem Content-Length-Header oder in Stücken von mindestens {chunk}.',
  'http.badLength': 'Der Content-Length-Header ist keine gültige Zahl.',
  'http.crossSite':
    'Diese Anfrage kam von einer anderen Website und wurde abgelehnt. Gehen Sie zurück zur Seite, laden Sie sie neu und versuchen Sie es erneut.',
  'http.tooManyAttempts': 'Zu viele Versuche. Warten Sie einen Moment und versuchen Sie es erneut.',
  'http.unidentified':
    'Diese Anfrage konnte keiner Client-Adresse zugeordnet werden und wurde daher abgelehnt. Wenn Sie hinter einem Proxy arbeiten, bitten Sie Ihre Administration, TRUST_PROXY zu prüfen.',
  // A refused spreadsheet, by kind.
  'sheet.not-bytes': 'Es wurde keine Datei empfangen.',
  'sheet.too-large': 'Die Datei ist zu groß.',
  'sheet.not-xlsx': 'Die Datei konnte nicht als Excel-Arbeitsmappe (.xlsx) gelesen werden.',
  'sheet.corrupt-zip': 'Die XLSX-Datei ist beschädigt.',
  'sheet.unsupported-zip': 'Die XLSX-Datei ist auf eine Weise gepackt, die nicht unterstützt wird.',
  'sheet.zip-bomb': 'Die XLSX-Datei ergibt entpackt zu viele Daten.',
  'sheet.too-many-entries': 'Die XLSX-Datei hat zu viele Bestandteile.',
  'sheet.unsafe-entry': 'Die XLSX-Datei enthält einen unsicheren Bestandteil.',
  'sheet.unsafe-xml': 'Die XLSX-Datei enthält unsicheres XML.',
  'sheet.too-many-sheets': 'Die Arbeitsmappe hat zu viele Tabellenblätter.',
  'sheet.too-many-rows': 'Die Datei hat zu viele Zeilen.',
  'sheet.too-many-cells': 'Die Datei hat zu viele Zellen.',
  'sheet.not-an-export':
    'Die Datei ist kein Export dieses Fragebogens. Laden Sie den Fragebogen hier herunter und füllen Sie diesen aus.',
  'sheet.unsupported-format': 'Die Datei wurde in einem Format exportiert, das dieses Portal nicht liest.',
  'sheet.missing-questionnaire-ref': 'Die Datei gibt nicht an, zu welchem Fragebogen sie gehört.',
  'sheet.other-questionnaire': 'Die Datei gehört zu einem anderen Fragebogen.',
  'sheet.other-version': 'Die Datei gehört zu einer anderen Version dieses Fragebogens.',
  'sheet.missing-column': 'In der Datei fehlt eine Spalte, die der Import braucht.',
  'sheet.duplicate-column': 'Eine Spalte kommt in der Datei mehrfach vor.',
  'sheet.bad-encoding': 'Die CSV-Datei ist nicht in UTF-8 kodiert.',
  'sheet.bad-csv': 'Die CSV-Datei ist fehlerhaft.',
  // The status codes' own sentences.
  'status.400': 'Die Anfrage konnte nicht verstanden werden.',
  'status.401': 'Sie müssen sich anmelden, um das zu tun.',
  'status.403': 'Das dürfen Sie nicht.',
  'status.404': 'Wir konnten diese Seite nicht finden.',
  'status.405': 'Diese Methode ist hier nicht erlaubt.',
  'status.408': 'Die Anfrage hat zu lange gebraucht.',
  'status.409': 'Das widerspricht dem aktuellen Stand. Laden Sie die Seite neu und versuchen Sie es erneut.',
  'status.410': 'Das ist nicht mehr verfügbar.',
  'status.413': 'Die Anfrage ist zu groß.',
  'status.415': 'Dieser Inhaltstyp wird hier nicht angenommen.',
  'status.422': 'Einige Angaben sind ungültig.',
  'status.429': 'Zu viele Anfragen. Warten Sie einen Moment und versuchen Sie es erneut.',
  'status.500': 'Auf unserer Seite ist etwas schiefgelaufen.',
  'status.503': 'Der Dienst ist vorübergehend nicht verfügbar. Versuchen Sie es in Kürze erneut.',
  'status.other': 'Die Anfrage konnte nicht abgeschlossen werden.',
};

/** French where it is easy to be right; everything else falls back to English. */
export const MESSAGES_FR: Partial<Messages> = {
  'vendor.sessionEnded':
    'Votre session est terminée. Ouvrez à nouveau le lien de votre e-mail d’invitation, ou demandez-en un nouveau depuis la page à laquelle il mène.',
  'vendor.noSection': 'Ce questionnaire n’a pas de telle section.',
  'vendor.enterCode': 'Saisissez le code à 6 chiffres reçu par e-mail.',
  'vendor.codeNotRight': 'Ce code n’est pas correct.',
  'vendor.fileTooLarge': 'Le fichier est trop volumineux.',
  'evidence.fileTooLarge': 'Le fichier est trop volumineux.',
  'status.404': 'Nous n’avons pas trouvé cette page.',
  'status.429': 'Trop de requêtes. Patientez un instant et réessayez.',
  'status.500': 'Une erreur s’est produite de notre côté.',
};
