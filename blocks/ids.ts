/** Every callback, block and action id, declared once and shared by builders, handlers and tests. */
export const ExportIds = {
  modal: 'export-modal',
  dbBlock: 'export-db-block',
  dbSelect: 'export-db-select',
  logicBlock: 'export-logic-block',
  logicCheckbox: 'export-logic-checkbox',
  sqlBlock: 'export-sql-block',
  sqlInput: 'export-sql-input',
  reasonBlock: 'export-reason-block',
  reasonInput: 'export-reason-input',
  rowsBlock: 'export-rows-block',
  rowsInput: 'export-rows-input',
  skipCheckBlock: 'export-skip-check-block',
  skipCheckCheckbox: 'export-skip-check-checkbox',
  skipReasonBlock: 'export-skip-reason-block',
  skipReasonInput: 'export-skip-reason-input',
  commentBlock: 'export-comment-block',
  commentInput: 'export-comment-input',
  relatedBlock: 'export-related-block',
  relatedSelect: 'export-related-select',
} as const;

/** Option values of the database picker that are not databases (explanations shown when search fails). */
export const DB_OPTION_ERROR_PREFIX = 'err:';
