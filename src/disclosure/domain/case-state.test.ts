import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CaseFlag, CaseStateFlags } from './case-state.ts';
import { CASE_FLAGS, allowedCaseStateEvents, caseStateName, embargoNegotiable, parseCaseStateName, recordCaseStateEvent } from './case-state.ts';
import type { EmbargoStateName } from './embargo-state.ts';
import { EMBARGO_STATES } from './embargo-state.ts';

const T0 = '2025-01-06T09:00:00.000Z';
const T1 = '2025-02-03T09:00:00.000Z';
const T2 = '2025-03-03T09:00:00.000Z';

function flagsOf(name: string, at = T0): CaseStateFlags {
  const set = parseCaseStateName(name);
  assert.ok(set, name);
  return Object.fromEntries([...set].map((f) => [f, at]));
}

// Vultron δ^cs (docs/topics/process_models/cs/transitions.md): for each state, the events
// that may come next. States with p and X (…pX…) are left out: this model records P
// together with X ("exploit publication is tantamount to public awareness"), so it
// never rests in them. (The source lists VFdPxA –X→ VFDPXA, a typo for VFdPXA.)
const DELTA: Readonly<Record<string, string>> = {
  vfdpxa: 'VPXA', vfdpxA: 'VPX', vfdPxa: 'V', vfdPxA: 'V', vfdPXa: 'V', vfdPXA: 'V',
  Vfdpxa: 'FPXA', VfdpxA: 'FPX', VfdPxa: 'FXA', VfdPxA: 'FX', VfdPXa: 'FA', VfdPXA: 'F',
  VFdpxa: 'DPXA', VFdpxA: 'DPX', VFdPxa: 'DXA', VFdPxA: 'DX', VFdPXa: 'DA', VFdPXA: 'D',
  VFDpxa: 'PXA', VFDpxA: 'PX', VFDPxa: 'XA', VFDPxA: 'X', VFDPXa: 'A', VFDPXA: '',
};

describe('case state (Vultron CS)', () => {
  it('names states as Vultron does', () => {
    assert.equal(caseStateName({}), 'vfdpxa');
    assert.equal(caseStateName({ V: T0, F: T1 }), 'VFdpxa');
    assert.equal(caseStateName({ V: T0, F: T0, D: T0, P: T0, X: T0, A: T0 }), 'VFDPXA');
    assert.equal(parseCaseStateName('VFdpxa')?.size, 2);
    assert.equal(parseCaseStateName('VFdpx'), undefined);
    assert.equal(parseCaseStateName('VfFpxa'), undefined);
  });

  for (const [state, next] of Object.entries(DELTA)) {
    it(`${state} allows exactly [${next.split('').join(', ')}]`, () => {
      const flags = flagsOf(state);
      assert.deepEqual(allowedCaseStateEvents(flags), CASE_FLAGS.filter((f) => next.includes(f)));
      for (const f of CASE_FLAGS) {
        if (next.includes(f)) {
          const r = recordCaseStateEvent(flags, f, T1);
          assert.equal(r.flags[f], T1);
          assert.equal(r.set[0], f);
        } else {
          assert.throws(() => recordCaseStateEvent(flags, f, T1), { code: flags[f] !== undefined ? 'FLAG_ALREADY_SET' : 'CASE_STATE_ORDER' });
        }
      }
    });
  }

  it('explains illegal moves', () => {
    assert.throws(() => recordCaseStateEvent({}, 'F', T1), { message: /^cannot move case from "vfdpxa" by F: fix ready \(F\) needs vendor aware \(V\) first/ });
    assert.throws(() => recordCaseStateEvent({ V: T0 }, 'V', T1), { code: 'FLAG_ALREADY_SET' });
    assert.throws(() => recordCaseStateEvent({ P: T0 }, 'A', T1), { message: /next event must be vendor aware \(V\)/ });
  });

  it('keeps dates: a flag cannot predate its prerequisite', () => {
    assert.throws(() => recordCaseStateEvent({ V: T1 }, 'F', T0), { code: 'CASE_STATE_ORDER' });
    assert.deepEqual(recordCaseStateEvent({ V: T0 }, 'F', T1).flags, { V: T0, F: T1 });
  });

  it('records P with X when the public was not yet aware', () => {
    const r = recordCaseStateEvent({ V: T0 }, 'X', T1);
    assert.deepEqual(r.set, ['X', 'P']);
    assert.equal(caseStateName(r.flags), 'VfdPXa');
    assert.deepEqual(r.flags, { V: T0, X: T1, P: T1 });
    assert.deepEqual(recordCaseStateEvent({ V: T0, P: T0 }, 'X', T1).set, ['X']);
  });

  const EXITS: readonly [CaseFlag, string, 'SHALL' | 'SHOULD'][] = [['P', 'public-aware', 'SHALL'], ['X', 'exploit-public', 'SHALL'], ['A', 'attacks-observed', 'SHOULD']];
  for (const [flag, reason, requirement] of EXITS) {
    for (const embargo of EMBARGO_STATES) {
      const inForce = embargo === 'active' || embargo === 'revise';
      it(`${flag} with the embargo ${embargo}: ${inForce ? `must exit (${reason})` : 'no effect'}`, () => {
        const r = recordCaseStateEvent({ V: T0 }, flag, T2, embargo as EmbargoStateName);
        assert.deepEqual(r.effects, inForce ? [{ kind: 'embargo-must-exit', reason, flag, at: T2, requirement }] : []);
      });
    }
  }

  it('V, F and D never end an embargo', () => {
    assert.deepEqual(recordCaseStateEvent({}, 'V', T0, 'active').effects, []);
    assert.deepEqual(recordCaseStateEvent({ V: T0 }, 'F', T1, 'active').effects, []);
    assert.deepEqual(recordCaseStateEvent({ V: T0, F: T1 }, 'D', T2, 'revise').effects, []);
  });

  it('allows embargo negotiation only in …pxa states (em/negotiating.md)', () => {
    assert.deepEqual(embargoNegotiable({ V: T0 }), { allowed: true, discouraged: false });
    assert.equal(embargoNegotiable({ V: T0, F: T0, D: T0 }).discouraged, true);
    assert.equal(embargoNegotiable({ V: T0, F: T0, D: T0 }).allowed, true);
    for (const f of ['P', 'X', 'A'] as const) assert.equal(embargoNegotiable({ V: T0, [f]: T0 }).allowed, false, f);
  });
});
