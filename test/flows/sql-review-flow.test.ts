/** The SQL review through the real app: the engine comes from DMS, and the person sees the review where they are. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChangeIds, ExportIds } from '../../blocks/dms/ids.js';
import { SQL_ENGINE_BUDGET_MS } from '../../src/dms/sql-review/engines.js';
import { exportValues, filed, openModal, seedPeople, submit } from '../support/flows.js';
import { blockSuggestion, type Harness, startHarness } from '../support/harness.js';

const option = (value: string, text: string) => ({ value, text: { type: 'plain_text', text } });

function exportWith(sql: string, db = 'db:1001:P') {
  return exportValues({
    [ExportIds.dbBlock]: {
      [ExportIds.dbSelect]: { type: 'external_select', selected_option: option(db, 'a database') },
    },
    [ExportIds.sqlBlock]: { [ExportIds.sqlInput]: { type: 'plain_text_input', value: sql } },
  });
}

function changeWith(sql: string, dbs: string[]) {
  return {
    [ChangeIds.dbBlock]: {
      [ChangeIds.dbSelect]: {
        type: 'multi_external_select',
        selected_options: dbs.map((d) => option(d, `database ${d}`)),
      },
    },
    [ChangeIds.sqlBlock]: { [ChangeIds.sqlInput]: { type: 'plain_text_input', value: sql } },
    [ChangeIds.rollbackBlock]: { [ChangeIds.rollbackInput]: { type: 'plain_text_input', value: null } },
    [ChangeIds.reasonBlock]: { [ChangeIds.reasonInput]: { type: 'plain_text_input', value: 'Clean up' } },
    [ChangeIds.modeBlock]: { [ChangeIds.modeRadio]: { type: 'radio_buttons', selected_option: { value: 'COMMITOR' } } },
    [ChangeIds.commentBlock]: { [ChangeIds.commentInput]: { type: 'plain_text_input', value: null } },
    [ChangeIds.relatedBlock]: { [ChangeIds.relatedSelect]: { type: 'multi_users_select', selected_users: [] } },
  };
}

/** The text of the review section of a modal view. */
function reviewText(view: Record<string, unknown> | undefined): string {
  const blocks = (view?.['blocks'] ?? []) as { block_id?: string; text?: { text: string } }[];
  return blocks.find((b) => b.block_id === ChangeIds.reviewBlock)?.text?.text ?? '';
}

/** Every review section of a modal view (the review may run to several), each as Slack would get it. */
function reviewSections(view: Record<string, unknown> | undefined): string[] {
  const blocks = (view?.['blocks'] ?? []) as { block_id?: string; text?: { text: string } }[];
  return blocks.filter((b) => b.block_id?.startsWith(ChangeIds.reviewBlock)).map((b) => b.text?.text ?? '');
}

/** The text of every block of a root message but the SQL itself (which repeats the statements). */
function rootReview(root: { args: Record<string, unknown> }): string {
  const blocks = root.args['blocks'] as { text?: { text: string }; fields?: { text: string }[] }[];
  return blocks
    .map((b) => [b.text?.text ?? '', ...(b.fields ?? []).map((f) => f.text)].join('\n'))
    .filter((t) => !t.startsWith('*SQL*'))
    .join('\n');
}

describe('SQL review in the modals', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    seedPeople(h);
    h.dms.addDatabase({
      DatabaseId: '3001',
      SearchName: 'ledger_pg',
      SchemaName: 'ledger',
      DbType: 'postgresql',
      EnvType: 'product',
      Logic: false,
    });
    h.dms.addDatabase({
      DatabaseId: '4001',
      SearchName: 'erp_ora',
      SchemaName: 'erp',
      DbType: 'oracle',
      EnvType: 'product',
      Logic: false,
    });
  });
  afterEach(async () => {
    await h.close();
  });

  it.each([
    ['a second statement', 'SELECT 1; DELETE FROM orders', 'db:1001:P', /exactly one query; this SQL has 2 statements/],
    [
      'a data-modifying CTE on PostgreSQL',
      'WITH d AS (DELETE FROM orders RETURNING *) SELECT * FROM d',
      'db:3001:P',
      /DELETE inside its WITH clause/,
    ],
    ['$$ on MySQL hiding a DELETE', 'SELECT $$a; DELETE FROM orders; $$', 'db:1001:P', /I could not check this SQL/],
    [
      'a zero-width space after WHERE',
      'SELECT * FROM orders WHERE\u200b',
      'db:1001:P',
      /U\+200B \(zero-width space\) at line 1, column 27/,
    ],
    ['an engine the review cannot parse', 'SELECT * FROM orders', 'db:4001:P', /the database engine is oracle/],
    ['SELECT … FOR UPDATE', 'SELECT * FROM orders FOR UPDATE', 'db:3001:P', /locks rows/],
  ])('an export with %s is an inline error on the SQL, and nothing is filed', async (_, sql, db, message) => {
    const view = await openModal(h, 'export');
    const ack = await submit(h, view, exportWith(sql, db));
    expect(ack.response_action).toBe('errors');
    expect(ack.errors?.[ExportIds.sqlBlock]).toMatch(message);
    expect(h.dms.calls('CreateOrder')).toHaveLength(0);
  });

  it('a typed id never searched for is looked up at submission (one SearchDatabase), then filed', async () => {
    const view = await openModal(h, 'export');
    await submit(h, view, exportWith('SELECT id FROM orders WHERE id = 1', 'db:1001:T'));
    await filed(h);
    expect(h.dms.calls('SearchDatabase').map((c) => c.query['SearchKey'])).toEqual(['1001']);
  });

  it('a database seen in the picker needs no second lookup', async () => {
    await h.interaction(blockSuggestion(ExportIds.dbSelect, ExportIds.dbBlock, 'ledger'));
    const view = await openModal(h, 'export');
    await submit(
      h,
      view,
      exportWith("SELECT count(*) FROM entries WHERE booked_at > now() - interval '1 day'", 'db:3001:P'),
    );
    await filed(h);
    expect(h.dms.calls('SearchDatabase')).toHaveLength(1);
  });

  it('when DMS is too slow to name the engine, the export fails closed and says so', async () => {
    await h.close();
    h = await startHarness({ sqlEngineBudgetMs: SQL_ENGINE_BUDGET_MS }); // production's budget, not the harness's
    seedPeople(h);
    h.dms.latencyMs = (action) => (action === 'SearchDatabase' ? 1_500 : 0);
    const view = await openModal(h, 'export');
    const ack = await submit(h, view, exportWith('SELECT 1 FROM orders'));
    expect(ack.errors?.[ExportIds.sqlBlock]).toMatch(/could not learn the database engine from DMS in time/);
    expect(h.dms.calls('CreateOrder')).toHaveLength(0);
  });

  it('a change the review cannot check shows the warning first, no check mark, and the ticket says so too', async () => {
    const sql = 'DELETE FROM orders WHERE\u200b';
    const view = await openModal(h, 'change');
    const review = await submit(h, view, changeWith(sql, ['db:1001:P']));
    expect(review.response_action).toBe('update');
    const text = reviewText(review.view);
    expect(text.split('\n')[0]).toBe(':warning: *What will run: Could not be checked — read it yourself*');
    expect(text).toContain('U+200B (zero-width space) at line 1, column 25');
    expect(text).not.toContain('white_check_mark');
    expect(text).not.toContain('No statement without a WHERE clause');

    await submit(h, { ...review.view!, id: view['id'] }, changeWith(sql, ['db:1001:P']));
    const root = await filed(h);
    const rootText = JSON.stringify(root.args['blocks']);
    expect(rootText).toContain(':warning: *Could not be checked — read it yourself*');
    expect(rootText).toContain('U+200B');
  });

  it('a change on PostgreSQL is reviewed from its parse tree: the DELETE inside a CTE has no WHERE', async () => {
    const view = await openModal(h, 'change');
    const review = await submit(
      h,
      view,
      changeWith(
        'WITH d AS (DELETE FROM orders RETURNING id) UPDATE audit SET n = n + 1 WHERE id IN (SELECT id FROM d)',
        ['db:3001:P'],
      ),
    );
    const text = reviewText(review.view);
    expect(text.split('\n')[0]).toBe('*What will run:* 1 statement: 1 UPDATE');
    expect(text).toContain('has a DELETE without a WHERE clause inside its WITH clause');
    expect(text).not.toContain('white_check_mark');
  });

  it('a clean change keeps the check mark', async () => {
    const view = await openModal(h, 'change');
    const review = await submit(
      h,
      view,
      changeWith("UPDATE orders SET status = 'void' WHERE id = 42", ['db:1001:P', 'db:3001:P']),
    );
    expect(reviewText(review.view)).toContain(
      ':white_check_mark: Every UPDATE and DELETE has a WHERE clause; the review cannot tell how many rows it matches.',
    );
  });

  it('a change on databases of an engine the review cannot parse can still be filed, unchecked', async () => {
    const view = await openModal(h, 'change');
    const review = await submit(
      h,
      view,
      changeWith('UPDATE orders SET a = 1 WHERE id = 1', ['db:1001:P', 'db:4001:P']),
    );
    expect(reviewText(review.view)).toContain('the database engine is oracle');
    expect(reviewText(review.view)).not.toContain('white_check_mark');
  });

  it('a database DMS does not know is refused on the picker before anything else', async () => {
    const view = await openModal(h, 'change');
    const ack = await submit(h, view, changeWith('UPDATE orders SET a = 1 WHERE id = 1', ['db:9999:P']));
    expect(ack.errors?.[ChangeIds.dbBlock]).toMatch(/did not find database 9999/);
  });

  it('no warning is left out: a WHERE-less DELETE after three constant-WHERE UPDATEs shows in the modal and on the root message, first', async () => {
    const sql = 'UPDATE t SET a=1 WHERE 1; UPDATE t SET b=1 WHERE 1; UPDATE t SET c=1 WHERE 1; DELETE FROM orders';
    const view = await openModal(h, 'change');
    const review = await submit(h, view, changeWith(sql, ['db:1001:P']));
    const modal = reviewSections(review.view).join('\n');
    const lines = modal.split('\n');
    expect(lines[0]).toBe('*What will run:* 4 statements: 3 UPDATE, 1 DELETE');
    expect(lines[1]).toBe(':warning: Statement 4 (DELETE) has no WHERE clause: it affects every row of the table.');
    expect(modal).toContain('Statements 1–3 (UPDATE) each has a WHERE clause that names no column');

    await submit(h, { ...review.view!, id: view['id'] }, changeWith(sql, ['db:1001:P']));
    const shown = rootReview(await filed(h));
    expect(shown).toContain('4 statements: 3 UPDATE, 1 DELETE');
    expect(shown).toContain('Statement 4 (DELETE) has no WHERE clause');
    expect(shown.indexOf('Statement 4 (DELETE)')).toBeLessThan(shown.indexOf('Statements 1–3 (UPDATE)'));
    expect(shown).not.toContain('truncated');
  });

  it('a hundred UPDATEs before a WHERE-less DELETE: the DELETE is not hidden behind a cut, in the modal or the root message', async () => {
    const sql = `${Array.from({ length: 100 }, (_, i) => `UPDATE t SET a=${i} WHERE 1;`).join(' ')} DELETE FROM orders`;
    expect(sql.length).toBeLessThanOrEqual(3000);
    const view = await openModal(h, 'change');
    const review = await submit(h, view, changeWith(sql, ['db:1001:P']));
    const sections = reviewSections(review.view);
    for (const t of sections) expect(t.length).toBeLessThanOrEqual(3000);
    const modal = sections.join('\n');
    expect(modal).not.toContain('truncated');
    expect(modal.split('\n')[0]).toBe('*What will run:* 101 statements: 100 UPDATE, 1 DELETE');
    expect(modal.split('\n')[1]).toContain('Statement 101 (DELETE) has no WHERE clause');

    await submit(h, { ...review.view!, id: view['id'] }, changeWith(sql, ['db:1001:P']));
    const shown = rootReview(await filed(h));
    expect(shown).toContain('Statement 101 (DELETE) has no WHERE clause');
    expect(shown).toContain('Statements 1–100 (UPDATE)');
    expect(shown).not.toContain('truncated');
  });

  it('a bare CR ending a comment: the review reads the very text that is filed, so the DELETE after it shows', async () => {
    const sql = 'DELETE FROM t WHERE a=1 -- x\r; DELETE FROM u';
    const view = await openModal(h, 'change');
    const review = await submit(h, view, changeWith(sql, ['db:1001:P']));
    // The form reads the SQL once (a bare CR becomes a newline): the review then sees the DELETE the database runs.
    const text = reviewSections(review.view).join('\n');
    expect(text).toContain('2 statements: 2 DELETE');
    expect(text).toContain('Statement 2 (DELETE) has no WHERE clause');
    await submit(h, { ...review.view!, id: view['id'] }, changeWith(sql, ['db:1001:P']));
    await filed(h);
    const req = h.dms.calls('CreateFreeLockCorrectOrder')[0]!;
    expect(JSON.parse(req.query['Param']!).ExecSQL).toBe('DELETE FROM t WHERE a=1 -- x\n; DELETE FROM u');
  });

  it.each([
    ['whole-row attribute notation', 'SELECT (o).evil FROM orders o', /field selection/],
    ['OPERATOR(schema.op)', 'SELECT 1 OPERATOR(public.===) 1', /OPERATOR\(public\.===\)/],
    ['a cast to a schema-qualified type', "SELECT '1'::public.mytype", /cast to the type public\.mytype/],
  ])('a PostgreSQL export with %s is an inline error', async (_, sql, message) => {
    const view = await openModal(h, 'export');
    const ack = await submit(h, view, exportWith(sql, 'db:3001:P'));
    expect(ack.errors?.[ExportIds.sqlBlock]).toMatch(message);
    expect(h.dms.calls('CreateOrder')).toHaveLength(0);
  });

  it('a MySQL export that assigns a session variable is an inline error', async () => {
    const view = await openModal(h, 'export');
    const ack = await submit(h, view, exportWith('SELECT a, @v := a FROM t'));
    expect(ack.errors?.[ExportIds.sqlBlock]).toMatch(/assignment to a variable/);
    expect(h.dms.calls('CreateOrder')).toHaveLength(0);
  });
});
