import { humanDuration } from './kube-table';

describe('humanDuration, as Kubernetes writes ages', () => {
  it.each([
    [-5, '<invalid>'],
    [-0.5, '0s'],
    [0, '0s'],
    [59, '59s'],
    [119, '119s'],
    [120, '2m'],
    [312, '5m12s'],
    [600, '10m'],
    [179 * 60, '179m'],
    [3 * 3600, '3h'],
    [3 * 3600 + 4 * 60, '3h4m'],
    [9 * 3600, '9h'],
    [50 * 3600, '2d2h'],
    [10 * 86400, '10d'],
    [800 * 86400, '2y70d'],
    [3000 * 86400, '8y'],
  ])('%p s is %p', (s, text) => expect(humanDuration(s)).toBe(text));
});
