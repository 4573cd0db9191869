import { expect, test } from 'vitest';
import { buildReport, renderAnnotations, renderMarkdown, resolveOptions, type Finding } from '@leakwatch/core/adapter';

const finding = (action: 'fail' | 'warn', message: string): Finding => ({
  id: 'abc',
  kind: 'timer',
  scope: 'file',
  action,
  file: 'a, b.test.ts',
  test: ['suite', 'x | y'],
  site: { file: 'src/a:b.ts', line: 3, column: 5 },
  message,
  count: 2,
});

const report = buildReport({
  runner: 'vitest',
  runnerVersion: '4.1.12',
  startedAt: new Date(0),
  durationMs: 1,
  options: resolveOptions([], {}),
  files: [],
  findings: [finding('fail', '100% leaked\nsecond line'), finding('warn', 'w')],
  errors: [],
});

test('annotations escape data and properties as GitHub requires', () => {
  const lines = renderAnnotations(report).trimEnd().split('\n');
  expect(lines).toHaveLength(2);
  expect(lines[0]).toBe('::error file=src/a%3Ab.ts,line=3,col=5,title=leakwatch%3A timer::100%25 leaked%0Asecond line');
  expect(lines[1]).toMatch(/^::warning file=src\/a%3Ab\.ts,line=3,col=5,/);
});

test('the step summary is a Markdown table with escaped cells', () => {
  const md = renderMarkdown(report);
  expect(md).toContain('### leakwatch: 1 failing, 1 warning');
  expect(md).toContain('| ❌ | timer | suite › x \\| y | `src/a:b.ts:3` | 2 |');
});
