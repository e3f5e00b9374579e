import { nodeZipArchive } from '../src/platform/node/questionnaire-zip.js';
import { compileQuestionnaire, evaluate } from '../src/questionnaire/index.js';
import { exportAnswersCsv, importAnswersCsv } from '../src/questionnaire/spreadsheet/csv.js';
import { DEFAULT_SPREADSHEET_LIMITS } from '../src/questionnaire/spreadsheet/errors.js';
import type { ImportResult } from '../src/questionnaire/spreadsheet/import-rows.js';
import { exportAnswersXlsx, importAnswersXlsx } from '../src/questionnaire/spreadsheet/xlsx.js';
import { inspectXlsx } from '../src/questionnaire/spreadsheet/xlsx-inspect.js';
import { generateConditionalQuestionnaire } from './conditional-questionnaire.js';
import { describe, measureAsync } from './timing.js';

/*
 * `npm run bench -- spreadsheet`: export and import of a 200-question response as XLSX and CSV, and how big
 * the file and its largest unpacked part are compared with the import limits. Informational; no targets.
 */

const TODAY = '2025-06-20';

function check(result: ImportResult, expected: number): void {
  if (!result.ok) throw new Error(`import failed: ${result.error.message}`);
  if (result.rejected.length > 0 || result.accepted !== expected) {
    throw new Error(
      `import round trip lost answers: ${result.accepted} of ${expected}, ${result.rejected.length} rejected`,
    );
  }
}

export async function run(): Promise<void> {
  const generated = generateConditionalQuestionnaire(200);
  const { questionnaire: q } = compileQuestionnaire(generated.yaml);
  if (!q) throw new Error('the generated questionnaire does not compile');
  const answers = generated.answers;
  const evaluation = evaluate(q, answers, TODAY);
  const opts = { locale: 'en', evidence: {} };
  const expected = Object.keys(answers).length;

  const xlsx = await exportAnswersXlsx(q, answers, evaluation, opts);
  const parts = (await inspectXlsx(xlsx, DEFAULT_SPREADSHEET_LIMITS, nodeZipArchive)).entries;
  const largest = parts.reduce((a, b) => (b.uncompressedSize > a.uncompressedSize ? b : a));
  const unpacked = parts.reduce((n, e) => n + e.uncompressedSize, 0);
  console.log(
    `XLSX of ${q.questions.size} questions: ${(xlsx.length / 1024).toFixed(1)} KiB, ${parts.length} parts, ` +
      `${(unpacked / 1024).toFixed(0)} KiB unpacked (largest ${largest.name}, ${(largest.uncompressedSize / 1024).toFixed(0)} KiB); ` +
      `limits: ${DEFAULT_SPREADSHEET_LIMITS.maxBytes / 1024 / 1024} MiB file, ` +
      `${DEFAULT_SPREADSHEET_LIMITS.maxEntryBytes / 1024 / 1024} MiB per part, ${DEFAULT_SPREADSHEET_LIMITS.maxTotalBytes / 1024 / 1024} MiB unpacked`,
  );
  check(await importAnswersXlsx(q, xlsx, { archive: nodeZipArchive }), expected);
  console.log(
    `XLSX export: ${describe(await measureAsync(() => exportAnswersXlsx(q, answers, evaluation, opts), { warmup: 2, iterations: 15 }))}`,
  );
  console.log(
    `XLSX import: ${describe(await measureAsync(() => importAnswersXlsx(q, xlsx, { archive: nodeZipArchive }), { warmup: 2, iterations: 15 }))}`,
  );

  const csv = exportAnswersCsv(q, answers, evaluation, opts);
  check(importAnswersCsv(q, csv), expected);
  console.log(`CSV of ${q.questions.size} questions: ${(csv.length / 1024).toFixed(1)} KiB`);
  console.log(
    `CSV export: ${describe(await measureAsync(async () => exportAnswersCsv(q, answers, evaluation, opts), { warmup: 2, iterations: 50 }))}`,
  );
  console.log(
    `CSV import: ${describe(await measureAsync(async () => importAnswersCsv(q, csv), { warmup: 2, iterations: 50 }))}`,
  );
}
