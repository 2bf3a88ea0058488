import { decideRecording, recordingDraw } from '../../src/domain/recording';

const ids = Array.from({ length: 10_000 }, (_, i) => `cb_${i.toString(36)}_${(i * 7919) % 10_007}`);

describe('decideRecording (S50, S51)', () => {
  it.each<[number, number, number]>([
    [0.7, 0.68, 0.72],
    [0.5, 0.48, 0.52],
    [0.1, 0.09, 0.11],
  ])('ratio %p records between %p and %p of 10,000 callbacks', (ratio, low, high) => {
    const recorded = ids.filter((callbackId) =>
      decideRecording({ enabled: true, ratio, optOut: false, callbackId }),
    ).length;
    expect(recorded / ids.length).toBeGreaterThanOrEqual(low);
    expect(recorded / ids.length).toBeLessThanOrEqual(high);
  });

  it('decides the same for the same id, every time', () => {
    for (const callbackId of ids.slice(0, 500)) {
      const first = decideRecording({ enabled: true, ratio: 0.7, optOut: false, callbackId });
      expect(decideRecording({ enabled: true, ratio: 0.7, optOut: false, callbackId })).toBe(first);
    }
  });

  it('is stable across releases: fixed draws for fixed ids', () => {
    expect(recordingDraw('callback-1')).toBe(recordingDraw('callback-1'));
    expect(recordingDraw('callback-1')).not.toBe(recordingDraw('callback-2'));
    // sha256('') starts with e3b0c442 98fc1c14: the draw is its top 53 bits over 2^53.
    expect(recordingDraw('')).toBeCloseTo(0xe3b0c44298fc1c14 / 2 ** 64, 12);
  });

  it('draws are in [0, 1)', () => {
    for (const callbackId of ids) {
      const draw = recordingDraw(callbackId);
      expect(draw).toBeGreaterThanOrEqual(0);
      expect(draw).toBeLessThan(1);
    }
  });

  it('a higher ratio records a superset of a lower one', () => {
    for (const callbackId of ids.slice(0, 2000)) {
      if (decideRecording({ enabled: true, ratio: 0.3, optOut: false, callbackId })) {
        expect(decideRecording({ enabled: true, ratio: 0.7, optOut: false, callbackId })).toBe(true);
      }
    }
  });

  it.each<[string, { enabled: boolean; ratio: number; optOut: boolean }, number]>([
    ['ratio 0 never records', { enabled: true, ratio: 0, optOut: false }, 0],
    ['ratio 1 always records', { enabled: true, ratio: 1, optOut: false }, ids.length],
    ['opt-out wins over ratio 1 (S51)', { enabled: true, ratio: 1, optOut: true }, 0],
    ['opt-out wins over ratio 0.7 (S51)', { enabled: true, ratio: 0.7, optOut: true }, 0],
    ['disabled never records', { enabled: false, ratio: 1, optOut: false }, 0],
    ['disabled and opted out', { enabled: false, ratio: 0.7, optOut: true }, 0],
    ['a NaN ratio never records', { enabled: true, ratio: Number.NaN, optOut: false }, 0],
  ])('%s', (_name, settings, expected) => {
    expect(ids.filter((callbackId) => decideRecording({ ...settings, callbackId })).length).toBe(expected);
  });
});
