import { ReportFingerprints } from './report-fingerprints';

describe('ReportFingerprints', () => {
  it('tells a changed report from a repeated one, per node and pod', () => {
    const reports = new ReportFingerprints();
    expect(reports.changed(1, 9, 'a')).toBe(true);
    expect(reports.changed(1, 9, 'a')).toBe(false);
    expect(reports.wouldChange(1, 9, 'a')).toBe(false);
    expect(reports.wouldChange(1, 9, 'b')).toBe(true);
    // asking does not record
    expect(reports.changed(1, 9, 'a')).toBe(false);
    // the same pod on another node starts afresh
    expect(reports.changed(2, 9, 'a')).toBe(true);
  });

  it('keeps only the pods it is told to, and nothing of a node left without any', () => {
    const reports = new ReportFingerprints();
    for (const podId of [7, 8, 9]) reports.changed(1, podId, 'a');
    reports.changed(2, 7, 'a');
    reports.keepOnly(1, [8, 10]);
    expect(reports.size).toBe(2);
    expect(reports.wouldChange(1, 7, 'a')).toBe(true);
    expect(reports.wouldChange(1, 8, 'a')).toBe(false);
    expect(reports.wouldChange(1, 9, 'a')).toBe(true);
    // another node's are its own
    expect(reports.wouldChange(2, 7, 'a')).toBe(false);
    reports.keepOnly(1, []);
    reports.keepOnly(3, []);
    expect(reports.size).toBe(1);
    reports.drop(2);
    expect(reports.size).toBe(0);
  });
});
