/**
 * Multi-row inserts: every buffered row is written exactly once, in order, whatever the
 * count (full statements of 100, then steps of 10 and 1); an upsert tail and a custom
 * tuple work; a buffer dropped after an error writes nothing.
 */
import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { MultiInsert, type InsertShape } from './multi-insert.ts';

function open(): { db: DatabaseSync; statement: (sql: string) => StatementSync; texts: Set<string> } {
  const db = new DatabaseSync(':memory:');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, n INTEGER, flag INTEGER NOT NULL DEFAULT 0)');
  const texts = new Set<string>();
  const cache = new Map<string, StatementSync>();
  const statement = (sql: string): StatementSync => {
    texts.add(sql);
    let s = cache.get(sql);
    if (!s) cache.set(sql, (s = db.prepare(sql)));
    return s;
  };
  return { db, statement, texts };
}

const ROW: InsertShape = { head: 'INSERT INTO t (id, name, n)', width: 3 };

describe('MultiInsert', () => {
  for (const count of [0, 1, 9, 10, 99, 100, 101, 237, 1000]) {
    test(`${count} rows: each written once, in order, values intact`, () => {
      const { db, statement } = open();
      const m = new MultiInsert(statement);
      for (let i = 0; i < count; i++) m.add(ROW, i, `name ${i}`, i % 3 === 0 ? null : i * 2);
      m.flush();
      const rows = db.prepare('SELECT id, name, n FROM t ORDER BY rowid').all();
      assert.equal(rows.length, count);
      rows.forEach((r, i) => assert.deepEqual({ ...r }, { id: i, name: `name ${i}`, n: i % 3 === 0 ? null : i * 2 }));
      m.flush();
      assert.equal(db.prepare('SELECT count(*) AS c FROM t').get()?.c, count, 'a second flush writes nothing again');
    });
  }

  test('237 rows take 2 statements of 100, 3 of 10 and 7 single ones (three statement texts)', () => {
    const { db, statement, texts } = open();
    let runs = 0;
    const m = new MultiInsert((sql) => {
      runs++;
      return statement(sql);
    });
    for (let i = 0; i < 237; i++) m.add(ROW, i, 'x', i);
    m.flush();
    assert.equal(runs, 2 + 3 + 7);
    assert.equal(texts.size, 3);
    assert.equal(db.prepare('SELECT count(*) AS c FROM t').get()?.c, 237);
  });

  test('an upsert tail and a custom tuple: conflicts update, the expression is evaluated per row', () => {
    const { db, statement } = open();
    db.exec("INSERT INTO t (id, name) VALUES (5, 'old')");
    const upsert: InsertShape = {
      head: 'INSERT INTO t (id, name, n, flag)',
      width: 5,
      tuple: '(?, ?, ?, (? OR EXISTS (SELECT 1 FROM t AS o WHERE o.id = ? + 1000)))',
      tail: ' ON CONFLICT (id) DO UPDATE SET name = excluded.name, flag = excluded.flag',
    };
    const m = new MultiInsert(statement);
    m.add(upsert, 5, 'new', null, 0, 5);
    m.add(upsert, 6, 'six', 1, 1, 6);
    m.add(upsert, 7, 'seven', 2, 0, 7);
    m.flush();
    const rows = db.prepare('SELECT id, name, flag FROM t ORDER BY id').all().map((r) => ({ ...r }));
    assert.deepEqual(rows, [
      { id: 5, name: 'new', flag: 0 },
      { id: 6, name: 'six', flag: 1 },
      { id: 7, name: 'seven', flag: 0 },
    ]);
  });

  test('a row with the wrong number of values is refused at once, naming the insert', () => {
    const { statement } = open();
    const m = new MultiInsert(statement);
    assert.throws(() => m.add(ROW, 1, 'x'), /INSERT INTO t \(id, name, n\): 2 values for 3 parameters a row/);
  });

  test('a failing row fails the flush; the transaction rolls back with the rows written before it', () => {
    const { db, statement } = open();
    db.exec('BEGIN');
    const m = new MultiInsert(statement);
    for (let i = 0; i < 150; i++) m.add(ROW, i, 'x', i);
    m.add(ROW, 150, null, 1); // NOT NULL: the flush fails
    assert.throws(() => m.flush(), /NOT NULL/);
    db.exec('ROLLBACK');
    assert.equal(db.prepare('SELECT count(*) AS c FROM t').get()?.c, 0);
  });
});
