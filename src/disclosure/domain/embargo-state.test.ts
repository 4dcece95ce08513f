import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Embargo, EmbargoAction, EmbargoProposal, EmbargoStateName } from './embargo-state.ts';
import { EMBARGO_ACTIONS, EMBARGO_STATES, NO_EMBARGO, acceptEmbargo, proposeEmbargo, rejectEmbargo, terminateEmbargo, transitionEmbargo, winningProposal } from './embargo-state.ts';
import { DisclosureError } from './errors.ts';
import { computeEmbargoEnd, embargoPolicy } from './policy.ts';

// Vultron δ^em (docs/topics/process_models/em/index.md), the full state × action table.
const LEGAL: Readonly<Record<EmbargoStateName, Partial<Record<EmbargoAction, EmbargoStateName>>>> = {
  none: { propose: 'proposed' },
  proposed: { propose: 'proposed', reject: 'none', accept: 'active' },
  active: { propose: 'revise', terminate: 'exited' },
  revise: { propose: 'revise', accept: 'active', reject: 'active', terminate: 'exited' },
  exited: {},
};

const policy = embargoPolicy({ timeZone: 'Europe/Copenhagen' }); // 90 days, bounds 60–90
const START = '2025-01-06T09:00:00.000Z'; // Monday 10:00 CET
const end = (days: number) => computeEmbargoEnd(START, days, { ...policy, weekend: 'keep' });
const proposal = (id: string, days: number, proposedBy = id, proposedAt = START): EmbargoProposal => ({ id, proposedBy, proposedAt, endsAt: end(days), withGrace: false });

function proposeAll(e: Embargo, ...ps: EmbargoProposal[]): Embargo {
  return ps.reduce((acc, p) => proposeEmbargo(acc, p, policy), e);
}

describe('embargo management (Vultron EM): the DFA', () => {
  for (const from of EMBARGO_STATES) {
    for (const action of EMBARGO_ACTIONS) {
      const to = LEGAL[from][action];
      it(`${from} --${action}--> ${to ?? 'rejected'}`, () => {
        if (to !== undefined) assert.equal(transitionEmbargo(from, action), to);
        else assert.throws(() => transitionEmbargo(from, action), (e: unknown) => e instanceof DisclosureError && e.code === 'ILLEGAL_TRANSITION' && e.message.startsWith(`cannot move embargo from "${from}"`));
      });
    }
  }
  it('says exited is final', () => {
    assert.throws(() => transitionEmbargo('exited', 'propose'), { message: 'cannot move embargo from "exited" to "proposed" (propose); allowed: none, exited is final' });
  });
});

describe('embargo management: proposals, shortest wins', () => {
  it('none → proposed → active with one proposal', () => {
    const p = proposeAll(NO_EMBARGO, proposal('vendor', 90));
    assert.equal(p.state, 'proposed');
    assert.equal(p.startsAt, START);
    const a = acceptEmbargo(p, '2025-01-07T09:00:00.000Z');
    assert.deepEqual(a, { state: 'active', startsAt: START, endsAt: end(90), acceptedAt: '2025-01-07T09:00:00.000Z', pending: [] });
  });

  it('several parties propose: the earliest end is accepted, longer ones stay as revisions', () => {
    const e = proposeAll(NO_EMBARGO, proposal('vendor', 90), proposal('finder', 75), proposal('coordinator', 62));
    assert.equal(winningProposal(e.pending)?.id, 'coordinator');
    const a = acceptEmbargo(e, START);
    assert.equal(a.state, 'revise');
    assert.equal(a.endsAt, end(62));
    assert.deepEqual(a.pending.map((p) => p.id), ['vendor', 'finder']);
    const b = acceptEmbargo(a, START);
    assert.equal(b.state, 'revise');
    assert.equal(b.endsAt, end(75));
    const c = acceptEmbargo(b, START, 'vendor');
    assert.equal(c.state, 'active');
    assert.equal(c.endsAt, end(90));
    assert.equal(c.acceptedAt, START);
  });

  it('refuses to accept a longer proposal while a shorter one is pending', () => {
    const e = proposeAll(NO_EMBARGO, proposal('vendor', 90), proposal('finder', 70));
    assert.throws(() => acceptEmbargo(e, START, 'vendor'), { code: 'SHORTEST_WINS', message: /shortest wins: proposal "finder" ends first/ });
    assert.throws(() => acceptEmbargo(e, START, 'nope'), { code: 'PROPOSAL_NOT_FOUND' });
    assert.equal(acceptEmbargo(e, START, 'finder').endsAt, end(70));
  });

  it('breaks ties by who proposed first, then by id', () => {
    const later = '2025-01-06T10:00:00.000Z';
    assert.equal(winningProposal([proposal('b', 70, 'b', later), proposal('a', 70, 'a', later), proposal('c', 70, 'c', START)])?.id, 'c');
    assert.equal(winningProposal([proposal('b', 70), proposal('a', 70)])?.id, 'a');
    assert.equal(winningProposal([]), undefined);
  });

  it('a shorter revision also wins over a longer one', () => {
    const active = acceptEmbargo(proposeAll(NO_EMBARGO, proposal('vendor', 80)), START);
    const r = proposeAll(active, proposal('finder', 61), proposal('vendor2', 88));
    assert.equal(r.state, 'revise');
    const a = acceptEmbargo(r, START);
    assert.equal(a.endsAt, end(61));
    assert.equal(a.state, 'revise');
  });

  it('reject: P → N when the last proposal goes, stays P otherwise', () => {
    const two = proposeAll(NO_EMBARGO, proposal('vendor', 90), proposal('finder', 70));
    const one = rejectEmbargo(two, 'finder');
    assert.equal(one.state, 'proposed');
    assert.deepEqual(one.pending.map((p) => p.id), ['vendor']);
    assert.deepEqual(rejectEmbargo(one, 'vendor'), NO_EMBARGO);
    assert.throws(() => rejectEmbargo(one, 'finder'), { code: 'PROPOSAL_NOT_FOUND' });
  });

  it('a rejected revision keeps the old end (R → A)', () => {
    const active = acceptEmbargo(proposeAll(NO_EMBARGO, proposal('vendor', 70)), START);
    const revised = proposeAll(active, proposal('finder', 90));
    const back = rejectEmbargo(revised, 'finder');
    assert.equal(back.state, 'active');
    assert.equal(back.endsAt, end(70));
  });

  it('terminates from active or revise, dropping pending revisions; exited is final', () => {
    const active = acceptEmbargo(proposeAll(NO_EMBARGO, proposal('vendor', 70)), START);
    const revised = proposeAll(active, proposal('finder', 90));
    const x = terminateEmbargo(revised, '2025-02-01T00:00:00.000Z', 'public-aware');
    assert.deepEqual({ state: x.state, pending: x.pending, exitReason: x.exitReason, endsAt: x.endsAt }, { state: 'exited', pending: [], exitReason: 'public-aware', endsAt: end(70) });
    assert.throws(() => proposeEmbargo(x, proposal('again', 70), policy), { code: 'ILLEGAL_TRANSITION' });
    assert.throws(() => terminateEmbargo(NO_EMBARGO, START, 'agreed-early'), { code: 'ILLEGAL_TRANSITION' });
    assert.throws(() => terminateEmbargo(active, START, 'expired'), { message: /has not expired/ });
    assert.equal(terminateEmbargo(active, end(70), 'expired').state, 'exited');
  });

  it('keeps proposals within the policy bounds, measured from the first proposal', () => {
    assert.throws(() => proposeEmbargo(NO_EMBARGO, proposal('short', 30), policy), { code: 'EMBARGO_OUT_OF_BOUNDS' });
    assert.throws(() => proposeEmbargo(NO_EMBARGO, proposal('long', 120), policy), { code: 'EMBARGO_OUT_OF_BOUNDS' });
    const active = acceptEmbargo(proposeAll(NO_EMBARGO, proposal('vendor', 60)), START);
    // A revision a month later is still bounded by the original start.
    const later = { ...proposal('late', 90), proposedAt: '2025-02-06T09:00:00.000Z', endsAt: computeEmbargoEnd('2025-02-06T09:00:00.000Z', 90, policy) };
    assert.throws(() => proposeEmbargo(active, later, policy), { code: 'EMBARGO_OUT_OF_BOUNDS' });
    assert.throws(() => proposeEmbargo(active, proposal('same', 60), policy), { code: 'ILLEGAL_TRANSITION', message: /must change the end/ });
    assert.throws(() => proposeEmbargo(proposeAll(NO_EMBARGO, proposal('a', 70)), proposal('a', 80), policy), { code: 'DUPLICATE_ID' });
  });

  it('allows the grace period only when asked for and the policy has one (Project Zero 90+30)', () => {
    const p0 = embargoPolicy({ timeZone: 'Europe/Copenhagen', preset: 'projectZero' });
    const withGrace = { ...proposal('vendor', 115), withGrace: true };
    assert.throws(() => proposeEmbargo(NO_EMBARGO, { ...withGrace, withGrace: false }, p0), { code: 'EMBARGO_OUT_OF_BOUNDS' });
    assert.equal(proposeEmbargo(NO_EMBARGO, withGrace, p0).state, 'proposed');
    assert.throws(() => proposeEmbargo(NO_EMBARGO, withGrace, policy), { code: 'EMBARGO_OUT_OF_BOUNDS' });
  });
});
