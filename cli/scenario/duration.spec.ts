import { parseDuration } from './duration';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['3s', 3000],
    ['1.5s', 1500],
    ['2m', 120000],
    [4, 4000],
    ['later', null],
    [-1, null],
  ])('%j → %j', (text, ms) => expect(parseDuration(text)).toBe(ms));
});
