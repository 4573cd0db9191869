import type { TestLike } from './mocha-types.js';

export interface TestRef {
  key: string;
  titlePath: string[];
}

const refs = new WeakMap<object, TestRef>();

/** One ref per test across its retries (Mocha clones a test for each): its first attempt's id and title path. */
export function refOf(test: TestLike): TestRef {
  const first = test.retriedTest?.() ?? test;
  let ref = refs.get(first);
  if (!ref) {
    const titlePath = first.titlePath();
    refs.set(first, (ref = { key: `${first.file ?? ''}\0${first.id ?? titlePath.join('\0')}`, titlePath }));
  }
  return ref;
}
