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

export const TrackIds = {
  modal: 'track-modal',
  dbBlock: 'track-db-block',
  dbSelect: 'track-db-select',
  tablesBlock: 'track-tables-block',
  tablesInput: 'track-tables-input',
  typesBlock: 'track-types-block',
  typesCheckbox: 'track-types-checkbox',
  startBlock: 'track-start-block',
  startPicker: 'track-start-picker',
  endBlock: 'track-end-block',
  endPicker: 'track-end-picker',
  previewBlock: 'track-window-preview',
  reasonBlock: 'track-reason-block',
  reasonInput: 'track-reason-input',
  relatedBlock: 'track-related-block',
  relatedSelect: 'track-related-select',
} as const;

export const ChangeIds = {
  modal: 'change-modal',
  dbBlock: 'change-db-block',
  dbSelect: 'change-db-select',
  sqlBlock: 'change-sql-block',
  sqlInput: 'change-sql-input',
  rollbackBlock: 'change-rollback-block',
  rollbackInput: 'change-rollback-input',
  reasonBlock: 'change-reason-block',
  reasonInput: 'change-reason-input',
  modeBlock: 'change-mode-block',
  modeRadio: 'change-mode-radio',
  commentBlock: 'change-comment-block',
  commentInput: 'change-comment-input',
  relatedBlock: 'change-related-block',
  relatedSelect: 'change-related-select',
  reviewBlock: 'change-review-block',
} as const;

/** Every database picker's action id ends with this, so one options listener serves them all. */
export const DB_SELECT_SUFFIX = /-db-select$/;
