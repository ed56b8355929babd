import { describe, expect, it } from 'vitest';
import { markProblem } from './editor.ts';

describe('markProblem', () => {
  it('puts the caret under line:column and finds its offset', () => {
    const m = markProblem('amount > 5000\n  and amout < 3', 2, 7);
    expect(m.text).toBe('  and amout < 3');
    expect(m.caret).toBe('      ^');
    expect('amount > 5000\n  and amout < 3'.slice(m.offset)).toBe('amout < 3');
  });
  it('clamps positions past the end (an unexpected end of input)', () => {
    const m = markProblem('amount >', 1, 9);
    expect(m.caret).toBe('        ^');
    expect(m.offset).toBe(8);
    expect(markProblem('a', 5, 40)).toMatchObject({ line: 1, column: 2 });
  });
});
