import type { LeakReport } from './model.js';

export function renderJson(report: LeakReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
