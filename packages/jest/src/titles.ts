/** jest-circus's invisible top-level block: never part of a title path. */
const ROOT_DESCRIBE_BLOCK_NAME = 'ROOT_DESCRIBE_BLOCK';

/** Describe titles then the test title, as Jest's own results (`ancestorTitles` + `title`) give them. */
export function circusTitlePath(test: { name: string; parent?: any }): string[] {
  const names = [test.name];
  let block = test.parent;
  while (block && block.name !== ROOT_DESCRIBE_BLOCK_NAME) {
    names.unshift(block.name);
    block = block.parent;
  }
  return names;
}
