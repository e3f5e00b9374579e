/**
 * What an upload or a file is refused with, in English, by key: the one source of these sentences. The
 * errors carry the key and parameters (`said`), so the vendor portal says them in the vendor's language
 * (src/vendor/words.ts has every key in German). `{name}` marks a variable part.
 */
export const EVIDENCE_MESSAGES = {
  'evidence.partMalformed': 'A part header is malformed.',
  'evidence.partRepeated': 'A part header is repeated.',
  'evidence.noDisposition': 'A part has no Content-Disposition.',
  'evidence.notFormData': 'A part is not form data.',
  'evidence.noFieldName': 'A part has no field name.',
  'evidence.nameMalformed': 'A file name is malformed.',
  'evidence.uploadTooLarge': 'The upload is too large.',
  'evidence.uploadMalformed': 'The upload is malformed.',
  'evidence.headerTooLarge': 'A part header is too large.',
  'evidence.incomplete': 'The upload did not arrive completely. Try again.',
  'evidence.notMultipart': 'Send the file as multipart/form-data.',
  'evidence.noFile': 'Choose a file to upload.',
  'evidence.fieldTooLarge': 'A form field is too large.',
  'evidence.tooManyParts': 'The upload has too many parts.',
  'evidence.fileTooLarge': 'The file is too large.',
  'evidence.manyFiles': 'Upload one file at a time.',
  'evidence.notFound': 'We could not find that assessment or file.',
  'evidence.replacedGone':
    'The file you are replacing is no longer current (removed or already replaced); reload and try again.',
  'evidence.closed': 'This assessment has been submitted; its files can no longer change.',
  'evidence.noFilesHere': 'This question does not take files.',
  'evidence.nameMissing': 'The file has no name.',
  'evidence.nameControl': 'The file name contains characters that are not allowed.',
  'evidence.doubleExtension': 'The file name hides another file type before its extension.',
  'evidence.noExtension': 'The file name has no extension.',
  'evidence.typeNotAllowed': 'This question accepts {list} files.',
  'evidence.malware': 'The file was refused by the malware check.',
  'evidence.badArchive': 'The {type} file is damaged or unsafe ({detail}).',
  'evidence.contentMismatch': "The file's content is not a {type} file ({detail}).",
  'evidence.tooManyFiles': 'This question takes at most {max} files.',
  'evidence.downloadGone': 'This download link is not valid or has expired. Go back and open the file again.',
  'evidence.integrityFailed':
    'This file failed its integrity check: the stored copy does not match the SHA-256 recorded when it was uploaded ({sha256}), so it was not sent. The failure has been recorded; tell your administrator.',
  'evidence.blobMissing':
    'This file failed its integrity check: its stored copy is missing (SHA-256 recorded when it was uploaded: {sha256}), so it cannot be sent. The failure has been recorded; tell your administrator.',
} as const;

export type EvidenceMessage = keyof typeof EVIDENCE_MESSAGES;
