import fs from 'node:fs';
import { isFailing, type Finding } from '../finding.js';
import { KIND_INFO } from '../kinds.js';
import type { LeakReport } from './model.js';

// GitHub's workflow-command escaping: data loses %, CR and LF; properties also : and ,.
const data = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const property = (s: string) => data(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

/** One `::error`/`::warning` line per finding, so leaks show on the pull request's diff at their line. */
export function renderAnnotations(report: LeakReport): string {
  return report.findings
    .map((f) => {
      const where = f.site ?? { file: f.file, line: 1, column: 1 };
      const props = [
        `file=${property(where.file)}`,
        `line=${where.line}`,
        `col=${where.column}`,
        `title=${property(`leakwatch: ${KIND_INFO[f.kind].label}`)}`,
      ];
      return `::${isFailing(f) ? 'error' : 'warning'} ${props.join(',')}::${data(f.message)}\n`;
    })
    .join('');
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** The Markdown block appended to $GITHUB_STEP_SUMMARY. */
export function renderMarkdown(report: LeakReport): string {
  const { failing, warning, files, tests } = report.summary;
  const lines = [
    `### leakwatch: ${failing} failing, ${warning} warning`,
    '',
    `${files} files, ${tests} tests (${report.runner} ${report.runnerVersion ?? ''}).`,
    '',
  ];
  if (report.findings.length) {
    lines.push('| | kind | test | where | count |', '| --- | --- | --- | --- | --- |');
    for (const f of report.findings as Finding[]) {
      const where = f.site ? `${f.site.file}:${f.site.line}` : f.file;
      lines.push(
        `| ${f.action === 'fail' ? '❌' : '⚠️'} | ${KIND_INFO[f.kind].label} | ${cell(f.test?.join(' › ') ?? '(outside any test)')} | \`${cell(where)}\` | ${f.count} |`,
      );
    }
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}

/** On GitHub Actions: annotations on the runner's output, and the summary table on the job page. */
export function publishToGitHub(report: LeakReport, stream: NodeJS.WritableStream, env: NodeJS.ProcessEnv): void {
  if (env.GITHUB_ACTIONS !== 'true') return;
  stream.write(renderAnnotations(report));
  if (env.GITHUB_STEP_SUMMARY) fs.appendFileSync(env.GITHUB_STEP_SUMMARY, renderMarkdown(report));
}
