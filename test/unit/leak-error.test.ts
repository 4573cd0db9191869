import { describe, expect, test } from 'vitest';
import { findingId, type Finding } from '../../packages/core/src/finding.js';
import { LEAK_ERROR_MAX, leakError } from '../../packages/core/src/leak-error.js';

function timer(line: number): Finding {
  const site = { file: 'a.test.ts', line, column: 3 };
  return {
    id: findingId('timer', 'a.test.ts', ['t'], site),
    kind: 'timer',
    scope: 'file',
    action: 'fail',
    file: 'a.test.ts',
    test: ['t'],
    site,
    message: `A timer at line ${line}.`,
    count: 1,
  };
}

describe('LeakError', () => {
  test('lists each leak with its site, and its stack points at the sites', () => {
    const error = leakError([timer(3), timer(7)], '/project');
    expect(error.name).toBe('LeakError');
    expect(error.message).toBe(
      'leakwatch found 2 leaks:\n- timer at a.test.ts:3:3: A timer at line 3.\n- timer at a.test.ts:7:3: A timer at line 7.',
    );
    expect(error.stack?.split('\n').slice(-2)).toEqual([
      '    at /project/a.test.ts:3:3',
      '    at /project/a.test.ts:7:3',
    ]);
  });

  test('a file with many leaks lists the first ones and says how many more, so the runner output stays readable', () => {
    const many = Array.from({ length: 250 }, (_, i) => timer(i + 1));
    const error = leakError(many, '/project');
    const lines = error.message.split('\n');
    expect(lines[0]).toBe('leakwatch found 250 leaks:');
    expect(lines).toHaveLength(1 + LEAK_ERROR_MAX + 1);
    expect(lines.at(-1)).toBe(`- and ${250 - LEAK_ERROR_MAX} more: see leakwatch's table and reports`);
    expect(error.stack?.split('\n').filter((l) => l.startsWith('    at '))).toHaveLength(LEAK_ERROR_MAX);
  });
});
