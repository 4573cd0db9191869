/** The describe titles then the test title, without the file: the shape every leakwatch report uses. */
export function taskTitlePath(task: { name: string; suite?: any; filepath?: string }): string[] {
  const names: string[] = [];
  let current: any = task;
  while (current && current.filepath === undefined) {
    names.unshift(current.name);
    current = current.suite;
  }
  return names;
}
