import type { QuestionType } from '../types.js';

/*
 * The words a spreadsheet export shows around the questionnaire's own texts: sheet names, column headers,
 * the overview labels, type names and the yes/no/N/A labels. Import never depends on these words (it reads
 * the hidden machine ids), so translating them cannot break a round trip. English is the fallback.
 */

export const FORMAT = 'assay-answers/1';

/** Machine ids of the answer columns, in export order; the XLSX keeps them in a hidden first row. */
export const COLUMNS = [
  'section_id',
  'section_title',
  'question_id',
  'question',
  'type',
  'allowed_values',
  'answer',
  'answer_value',
  'comment',
  'evidence_names',
  'evidence_sha256',
  'visible',
  'required',
  'score',
  'weight',
  'findings',
] as const;
export type ColumnId = (typeof COLUMNS)[number];

/** Machine keys of the overview rows. */
const INFO_KEYS = [
  'format',
  'questionnaire',
  'title',
  'locale',
  'vendor',
  'requester',
  'assessment_id',
  'exported_at',
  'score',
  'band',
  'rating',
  'complete',
  'findings',
  'instructions',
] as const;
export type InfoKey = (typeof INFO_KEYS)[number];

interface Words {
  sheets: { overview: string; answers: string };
  columns: Record<ColumnId, string>;
  info: Record<InfoKey, string>;
  types: Record<QuestionType, string>;
  yesNoNa: { yes: string; no: string; na: string };
  flag: { yes: string; no: string };
  instructions: string;
  hints: {
    multi: string;
    number: (min: number | null, max: number | null) => string;
    date: string;
    text: (max: number | null) => string;
    file: string;
    context: string;
  };
}

const en: Words = {
  sheets: { overview: 'Overview', answers: 'Answers' },
  columns: {
    section_id: 'Section ID',
    section_title: 'Section',
    question_id: 'Question ID',
    question: 'Question',
    type: 'Type',
    allowed_values: 'Allowed values',
    answer: 'Answer',
    answer_value: 'Stored value',
    comment: 'Comment',
    evidence_names: 'Evidence',
    evidence_sha256: 'Evidence SHA-256',
    visible: 'Visible',
    required: 'Required',
    score: 'Score (0–1)',
    weight: 'Weight',
    findings: 'Findings',
  },
  info: {
    format: 'Format',
    questionnaire: 'Questionnaire',
    title: 'Title',
    locale: 'Language',
    vendor: 'Vendor',
    requester: 'Requester',
    assessment_id: 'Assessment',
    exported_at: 'Exported at',
    score: 'Total score (%)',
    band: 'Band',
    rating: 'Rating',
    complete: 'Ready to submit',
    findings: 'Findings raised',
    instructions: 'How to fill in',
  },
  types: {
    yes_no_na: 'Yes / No / N/A',
    single: 'Single choice',
    multi: 'Multiple choice',
    text: 'Text',
    number: 'Number',
    date: 'Date',
    file: 'File upload',
  },
  yesNoNa: { yes: 'Yes', no: 'No', na: 'N/A' },
  flag: { yes: 'yes', no: 'no' },
  instructions:
    'Fill in the Answer and Comment columns only. For multiple choice, separate the choices with ";" or a ' +
    'line break. Dates are YYYY-MM-DD. Files cannot be uploaded through the spreadsheet: upload them in the ' +
    'portal. The Stored value column and all other columns are for information and are ignored on import.',
  hints: {
    multi: 'Several allowed: separate with ";" or a line break',
    number: (min, max) =>
      min !== null && max !== null
        ? `A number from ${min} to ${max}`
        : min !== null
          ? `A number, at least ${min}`
          : max !== null
            ? `A number, at most ${max}`
            : 'A number',
    date: 'A date as YYYY-MM-DD',
    text: (max) => (max === null ? 'Text' : `Text, at most ${max} characters`),
    file: 'Upload files in the portal; they cannot be imported from a spreadsheet',
    context: 'Set by the requester; it cannot be changed here',
  },
};

const de: Words = {
  sheets: { overview: 'Übersicht', answers: 'Antworten' },
  columns: {
    section_id: 'Abschnitts-ID',
    section_title: 'Abschnitt',
    question_id: 'Fragen-ID',
    question: 'Frage',
    type: 'Typ',
    allowed_values: 'Zulässige Werte',
    answer: 'Antwort',
    answer_value: 'Gespeicherter Wert',
    comment: 'Kommentar',
    evidence_names: 'Nachweise',
    evidence_sha256: 'Nachweise SHA-256',
    visible: 'Sichtbar',
    required: 'Pflicht',
    score: 'Bewertung (0–1)',
    weight: 'Gewicht',
    findings: 'Feststellungen',
  },
  info: {
    format: 'Format',
    questionnaire: 'Fragebogen',
    title: 'Titel',
    locale: 'Sprache',
    vendor: 'Lieferant',
    requester: 'Auftraggeber',
    assessment_id: 'Bewertung',
    exported_at: 'Exportiert am',
    score: 'Gesamtbewertung (%)',
    band: 'Einstufung',
    rating: 'Gesamteinstufung',
    complete: 'Bereit zum Absenden',
    findings: 'Feststellungen',
    instructions: 'Ausfüllhinweis',
  },
  types: {
    yes_no_na: 'Ja / Nein / Nicht zutreffend',
    single: 'Einfachauswahl',
    multi: 'Mehrfachauswahl',
    text: 'Text',
    number: 'Zahl',
    date: 'Datum',
    file: 'Datei-Upload',
  },
  yesNoNa: { yes: 'Ja', no: 'Nein', na: 'Nicht zutreffend' },
  flag: { yes: 'ja', no: 'nein' },
  instructions:
    'Füllen Sie nur die Spalten Antwort und Kommentar aus. Bei Mehrfachauswahl trennen Sie die Werte mit ";" ' +
    'oder einem Zeilenumbruch. Datumsangaben im Format JJJJ-MM-TT. Dateien können nicht über die Tabelle ' +
    'hochgeladen werden: Laden Sie sie im Portal hoch. Die Spalte Gespeicherter Wert und alle übrigen Spalten ' +
    'dienen der Information und werden beim Import ignoriert.',
  hints: {
    multi: 'Mehrere möglich: mit ";" oder Zeilenumbruch trennen',
    number: (min, max) =>
      min !== null && max !== null
        ? `Eine Zahl von ${min} bis ${max}`
        : min !== null
          ? `Eine Zahl, mindestens ${min}`
          : max !== null
            ? `Eine Zahl, höchstens ${max}`
            : 'Eine Zahl',
    date: 'Ein Datum im Format JJJJ-MM-TT',
    text: (max) => (max === null ? 'Text' : `Text, höchstens ${max} Zeichen`),
    file: 'Dateien im Portal hochladen; sie können nicht aus einer Tabelle importiert werden',
    context: 'Vom Auftraggeber festgelegt; hier nicht änderbar',
  },
};

const fr: Words = {
  sheets: { overview: 'Synthèse', answers: 'Réponses' },
  columns: {
    section_id: 'ID de section',
    section_title: 'Section',
    question_id: 'ID de question',
    question: 'Question',
    type: 'Type',
    allowed_values: 'Valeurs admises',
    answer: 'Réponse',
    answer_value: 'Valeur enregistrée',
    comment: 'Commentaire',
    evidence_names: 'Preuves',
    evidence_sha256: 'Preuves SHA-256',
    visible: 'Visible',
    required: 'Obligatoire',
    score: 'Note (0–1)',
    weight: 'Poids',
    findings: 'Constats',
  },
  info: {
    format: 'Format',
    questionnaire: 'Questionnaire',
    title: 'Titre',
    locale: 'Langue',
    vendor: 'Fournisseur',
    requester: 'Demandeur',
    assessment_id: 'Évaluation',
    exported_at: 'Exporté le',
    score: 'Note globale (%)',
    band: 'Niveau',
    rating: 'Appréciation globale',
    complete: 'Prêt à être soumis',
    findings: 'Constats relevés',
    instructions: 'Mode d’emploi',
  },
  types: {
    yes_no_na: 'Oui / Non / Sans objet',
    single: 'Choix unique',
    multi: 'Choix multiple',
    text: 'Texte',
    number: 'Nombre',
    date: 'Date',
    file: 'Fichier',
  },
  yesNoNa: { yes: 'Oui', no: 'Non', na: 'Sans objet' },
  flag: { yes: 'oui', no: 'non' },
  instructions:
    'Remplissez uniquement les colonnes Réponse et Commentaire. Pour un choix multiple, séparez les valeurs ' +
    'par « ; » ou un saut de ligne. Les dates s’écrivent AAAA-MM-JJ. Les fichiers ne peuvent pas être ' +
    'transmis par le tableur : déposez-les dans le portail. La colonne Valeur enregistrée et toutes les ' +
    'autres colonnes sont informatives et ignorées à l’import.',
  hints: {
    multi: 'Plusieurs possibles : séparez par « ; » ou un saut de ligne',
    number: (min, max) =>
      min !== null && max !== null
        ? `Un nombre de ${min} à ${max}`
        : min !== null
          ? `Un nombre, au moins ${min}`
          : max !== null
            ? `Un nombre, au plus ${max}`
            : 'Un nombre',
    date: 'Une date au format AAAA-MM-JJ',
    text: (max) => (max === null ? 'Texte' : `Texte, au plus ${max} caractères`),
    file: 'Déposez les fichiers dans le portail ; ils ne peuvent pas être importés depuis un tableur',
    context: 'Fixé par le demandeur ; non modifiable ici',
  },
};

const WORDS: ReadonlyMap<string, Words> = new Map([
  ['en', en],
  ['de', de],
  ['fr', fr],
]);

/** Languages the spreadsheet's own words exist in. */
export const SPREADSHEET_LANGUAGES: readonly string[] = [...WORDS.keys()];

/** Words for a locale ('de-AT' uses 'de'), falling back to English. */
export function wordsFor(locale: string): Words {
  return WORDS.get(locale) ?? WORDS.get(locale.split('-')[0]!.toLowerCase()) ?? en;
}

/** Every label any supported language uses for yes, no and N/A, for matching imported answers. */
export function yesNoNaSynonyms(): ReadonlyMap<'yes' | 'no' | 'na', readonly string[]> {
  const out = new Map<'yes' | 'no' | 'na', string[]>([
    ['yes', []],
    ['no', []],
    ['na', ['n/a', 'not applicable']],
  ]);
  for (const words of WORDS.values()) {
    for (const key of ['yes', 'no', 'na'] as const) out.get(key)!.push(words.yesNoNa[key]);
  }
  return out;
}
