import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DisclosureError } from './errors.ts';
import type { ReportAction, ReportState } from './report-state.ts';
import { REPORT_ACTIONS, REPORT_STATES, allowedReportActions, transitionReport } from './report-state.ts';

// Vultron δ^rm (docs/topics/process_models/rm/index.md), written out as the full
// state × action table: every cell not listed is illegal.
const LEGAL: Readonly<Record<ReportState, Partial<Record<ReportAction, ReportState>>>> = {
  received: { validate: 'valid', invalidate: 'invalid' },
  invalid: { validate: 'valid', close: 'closed' },
  valid: { accept: 'accepted', defer: 'deferred' },
  accepted: { defer: 'deferred', close: 'closed' },
  deferred: { accept: 'accepted', close: 'closed' },
  closed: {},
};

describe('report management (Vultron RM)', () => {
  for (const from of REPORT_STATES) {
    for (const action of REPORT_ACTIONS) {
      const to = LEGAL[from][action];
      if (to !== undefined) {
        it(`${from} --${action}--> ${to}`, () => assert.equal(transitionReport(from, action), to));
      } else {
        it(`${from} --${action}--> rejected`, () => {
          assert.throws(() => transitionReport(from, action), (e: unknown) =>
            e instanceof DisclosureError && e.code === 'ILLEGAL_TRANSITION' && e.message.startsWith(`cannot move report from "${from}"`)
            && e.details.from === from && e.details.action === action);
        });
      }
    }
  }

  it('names the move in the error', () => {
    assert.throws(() => transitionReport('closed', 'validate'), { code: 'ILLEGAL_TRANSITION', message: /^cannot move report from "closed" to "valid" \(validate\); allowed: none, closed is final$/ });
    assert.throws(() => transitionReport('valid', 'close'), { message: 'cannot move report from "valid" to "closed" (close); allowed: accept, defer' });
  });

  it('never closes straight from received or valid (Vultron: MUST NOT close from Valid)', () => {
    assert.deepEqual(allowedReportActions('received'), ['validate', 'invalidate']);
    assert.deepEqual(allowedReportActions('valid'), ['accept', 'defer']);
  });

  it('runs the shortest Vultron histories (ric, rvac, rvdc, rivdadc)', () => {
    const run = (actions: ReportAction[]) => actions.reduce<ReportState>((s, a) => transitionReport(s, a), 'received');
    assert.equal(run(['invalidate', 'close']), 'closed');
    assert.equal(run(['validate', 'accept', 'close']), 'closed');
    assert.equal(run(['validate', 'defer', 'close']), 'closed');
    assert.equal(run(['invalidate', 'validate', 'defer', 'accept', 'defer', 'close']), 'closed');
  });
});
