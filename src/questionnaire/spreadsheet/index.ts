/**
 * Spreadsheet entry of the questionnaire engine: answers exported to and imported from XLSX and CSV
 * (format assay-answers/1). Kept apart from the core entry (`../index.ts`) so that compiling and
 * evaluating never loads exceljs.
 */
export { type CsvImportOptions, exportAnswersCsv, importAnswersCsv } from './csv.js';
export {
  DEFAULT_SPREADSHEET_LIMITS,
  SpreadsheetError,
  type SpreadsheetErrorCode,
  type SpreadsheetLimits,
} from './errors.js';
export type { EvidenceInfo, ExportOptions } from './export-model.js';
export type { ImportOptions, ImportReport, ImportResult, Rejection } from './import-rows.js';
export { exportAnswersXlsx, importAnswersXlsx, type XlsxImportOptions } from './xlsx.js';
