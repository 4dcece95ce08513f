/**
 * describeCvss names each metric for display; scoreCvss reports groups, nomenclature and ratings;
 * severityOf follows each version's scale.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describeCvss, scoreCvss, severityOf } from './index.ts';

describe('describeCvss', () => {
  test('v3.1, in specification order whatever the vector order', () => {
    assert.deepEqual(describeCvss('CVSS:3.1/S:C/AV:N/AC:L/PR:N/UI:R/C:L/I:L/A:N/E:P/MAV:A'), [
      { group: 'Base', metric: 'AV', name: 'Attack Vector', value: 'N', valueName: 'Network' },
      { group: 'Base', metric: 'AC', name: 'Attack Complexity', value: 'L', valueName: 'Low' },
      { group: 'Base', metric: 'PR', name: 'Privileges Required', value: 'N', valueName: 'None' },
      { group: 'Base', metric: 'UI', name: 'User Interaction', value: 'R', valueName: 'Required' },
      { group: 'Base', metric: 'S', name: 'Scope', value: 'C', valueName: 'Changed' },
      { group: 'Base', metric: 'C', name: 'Confidentiality', value: 'L', valueName: 'Low' },
      { group: 'Base', metric: 'I', name: 'Integrity', value: 'L', valueName: 'Low' },
      { group: 'Base', metric: 'A', name: 'Availability', value: 'N', valueName: 'None' },
      { group: 'Temporal', metric: 'E', name: 'Exploit Code Maturity', value: 'P', valueName: 'Proof-of-Concept' },
      { group: 'Environmental', metric: 'MAV', name: 'Modified Attack Vector', value: 'A', valueName: 'Adjacent Network' },
    ]);
  });

  test('v2.0 names and Not Defined', () => {
    assert.deepEqual(describeCvss('AV:A/AC:M/Au:S/C:C/I:P/A:N/E:ND/CDP:LM')?.map((d) => [d.group, d.name, d.valueName]), [
      ['Base', 'Access Vector', 'Adjacent Network'],
      ['Base', 'Access Complexity', 'Medium'],
      ['Base', 'Authentication', 'Single'],
      ['Base', 'Confidentiality Impact', 'Complete'],
      ['Base', 'Integrity Impact', 'Partial'],
      ['Base', 'Availability Impact', 'None'],
      ['Temporal', 'Exploitability', 'Not Defined'],
      ['Environmental', 'Collateral Damage Potential', 'Low-Medium'],
    ]);
  });

  test('v4.0 groups: Base, Threat, Environmental, Supplemental', () => {
    const described = describeCvss(
      'CVSS:4.0/AV:P/AC:H/AT:P/PR:L/UI:P/VC:N/VI:L/VA:H/SC:L/SI:N/SA:H/E:U/CR:M/MSI:S/S:P/AU:N/R:U/V:D/RE:M/U:Clear',
    );
    assert.deepEqual(described?.map((d) => `${d.group}|${d.metric}|${d.name}|${d.valueName}`), [
      'Base|AV|Attack Vector|Physical',
      'Base|AC|Attack Complexity|High',
      'Base|AT|Attack Requirements|Present',
      'Base|PR|Privileges Required|Low',
      'Base|UI|User Interaction|Passive',
      'Base|VC|Vulnerable System Confidentiality Impact|None',
      'Base|VI|Vulnerable System Integrity Impact|Low',
      'Base|VA|Vulnerable System Availability Impact|High',
      'Base|SC|Subsequent System Confidentiality Impact|Low',
      'Base|SI|Subsequent System Integrity Impact|None',
      'Base|SA|Subsequent System Availability Impact|High',
      'Threat|E|Exploit Maturity|Unreported',
      'Environmental|CR|Confidentiality Requirements|Medium',
      'Environmental|MSI|Modified Subsequent System Integrity|Safety',
      'Supplemental|S|Safety|Present',
      'Supplemental|AU|Automatable|No',
      'Supplemental|R|Recovery|User',
      'Supplemental|V|Value Density|Diffuse',
      'Supplemental|RE|Vulnerability Response Effort|Moderate',
      'Supplemental|U|Provider Urgency|Clear',
    ]);
  });

  test('undefined for an invalid vector', () => {
    assert.equal(describeCvss('CVSS:3.1/AV:N'), undefined);
  });
});

describe('scoreCvss', () => {
  test('v3.1 with temporal and environmental metrics', () => {
    assert.deepEqual(scoreCvss('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O/RC:C/CR:L/MAV:L'), {
      ok: true,
      version: '3.1',
      baseScore: 9.8,
      baseSeverity: 'CRITICAL',
      temporalScore: 8.8,
      temporalSeverity: 'HIGH',
      environmentalScore: 7.3,
      environmentalSeverity: 'HIGH',
      hasTemporal: true,
      hasEnvironmental: true,
      score: 7.3,
      severity: 'HIGH',
    });
  });

  test('Not Defined metrics do not count as defining a group', () => {
    const scored = scoreCvss('CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:L/I:N/A:N/RL:X/RC:X/E:X');
    assert.ok(scored.ok && scored.version !== '4.0');
    assert.deepEqual([scored.hasTemporal, scored.hasEnvironmental, scored.score], [false, false, 4.3]);
  });

  test('v2.0 base, temporal and environmental (CVSS v2 guide §3.3.1 example, CVE-2002-0392)', () => {
    const scored = scoreCvss('AV:N/AC:L/Au:N/C:N/I:N/A:C/E:F/RL:OF/RC:C/CDP:H/TD:H/CR:M/IR:M/AR:H');
    assert.ok(scored.ok && scored.version === '2.0');
    assert.deepEqual([scored.baseScore, scored.temporalScore, scored.environmentalScore, scored.severity], [7.8, 6.4, 9.2, 'HIGH']);
  });

  test('v4.0 nomenclature and the CVSS-B score beside the full one', () => {
    const base = 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N';
    const cases = [
      [base, 'CVSS-B', 9.3, 9.3],
      [`${base}/E:U`, 'CVSS-BT', 8.1, 9.3],
      [`${base}/CR:L/IR:L/AR:L`, 'CVSS-BE', 8.9, 9.3],
      [`${base}/E:P/MAV:L`, 'CVSS-BTE', 7.3, 9.3],
      // Only Not Defined or Supplemental values: still CVSS-B.
      [`${base}/E:X/CR:X/S:P/U:Red`, 'CVSS-B', 9.3, 9.3],
    ] as const;
    for (const [vector, nomenclature, score, baseScore] of cases) {
      const scored = scoreCvss(vector);
      assert.ok(scored.ok && scored.version === '4.0', vector);
      assert.deepEqual([scored.nomenclature, scored.score, scored.baseScore], [nomenclature, score, baseScore], vector);
    }
  });

  test('v4.0: no impact on either system scores 0.0 (NONE)', () => {
    const scored = scoreCvss('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N');
    assert.ok(scored.ok && scored.version === '4.0');
    assert.deepEqual([scored.score, scored.severity, scored.macroVector], [0, 'NONE', '002201']);
  });

  test('an invalid vector gives the parser\'s failure', () => {
    assert.deepEqual(scoreCvss('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/AV:N'), {
      ok: false,
      code: 'DUPLICATE_METRIC',
      reason: 'duplicate metric "AV" (Attack Vector)',
    });
  });
});

describe('severityOf', () => {
  test('v3.x / v4.0 scale boundaries', () => {
    const cases = [[0, 'NONE'], [0.1, 'LOW'], [3.9, 'LOW'], [4, 'MEDIUM'], [6.9, 'MEDIUM'], [7, 'HIGH'], [8.9, 'HIGH'], [9, 'CRITICAL'], [10, 'CRITICAL']] as const;
    for (const version of ['3.0', '3.1', '4.0'] as const) {
      for (const [score, severity] of cases) assert.equal(severityOf(version, score), severity, `${version} ${score}`);
    }
  });

  test('v2.0 scale (NVD): LOW below 4.0, MEDIUM below 7.0, else HIGH', () => {
    const cases = [[0, 'LOW'], [3.9, 'LOW'], [4, 'MEDIUM'], [6.9, 'MEDIUM'], [7, 'HIGH'], [10, 'HIGH']] as const;
    for (const [score, severity] of cases) assert.equal(severityOf('2.0', score), severity, String(score));
  });

  test('scores outside 0-10 throw', () => {
    assert.throws(() => severityOf('3.1', 10.1), RangeError);
    assert.throws(() => severityOf('3.1', -1), RangeError);
    assert.throws(() => severityOf('3.1', Number.NaN), RangeError);
  });
});
