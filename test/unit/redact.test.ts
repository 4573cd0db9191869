import { describe, expect, test } from 'vitest';
import { resolveOptions, validateOptions } from '../../packages/core/src/options.js';
import { describeChild } from '../../packages/core/src/probes/child-processes.js';
import { namesSecret, redactArgs, redactText, redactValue } from '../../packages/core/src/redact.js';

// The secret planted in every leaking case: it must not survive in any form.
const S = 'hunter2XYZ';

describe('namesSecret: a word of the name ends with a secret word', () => {
  test.each([
    'token',
    'TOKEN',
    'GITHUB_TOKEN',
    'authToken',
    'auth-token',
    'csrftoken',
    'password',
    'PGPASSWORD',
    'db_pass',
    'passwd',
    'MYSQL_PWD',
    'PWD',
    'passphrase',
    'secret',
    'client_secret',
    'SECRET_KEY_BASE',
    'key',
    'api-key',
    'apiKey',
    'APIKEY',
    'API_KEY',
    'PRIVATE_KEY',
    'AWS_SECRET_ACCESS_KEY',
    'auth',
    'oauth',
    'Authorization',
    'X-Api-Key',
    'credentials',
    'GOOGLE_APPLICATION_CREDENTIAL',
    'cookie',
    'max-tokens',
  ])('%s names a secret', (name) => {
    expect(namesSecret(name)).toBe(true);
  });

  test.each([
    'tokenizer',
    'keyframes',
    'keyboard',
    'author',
    'AUTHOR',
    'passive',
    'port',
    'user',
    'username',
    'host',
    'database',
    'verbose',
    'NODE_OPTIONS',
    'url',
    'sslmode',
    '',
  ])('%s does not', (name) => {
    expect(namesSecret(name)).toBe(false);
  });
});

describe('redactArgs: leaking cases are masked', () => {
  test.each([
    [[`--token=${S}`], ['--token=***']],
    [[`--TOKEN=${S}`], ['--TOKEN=***']],
    [[`--password=${S}`], ['--password=***']],
    [[`--secret=${S}`], ['--secret=***']],
    [[`--key=${S}`], ['--key=***']],
    [[`--api-key=${S}`], ['--api-key=***']],
    [[`--apiKey=${S}`], ['--apiKey=***']],
    [[`--db_password=${S}`], ['--db_password=***']],
    [
      ['--password', S],
      ['--password', '***'],
    ],
    [
      ['--token', S, '--verbose'],
      ['--token', '***', '--verbose'],
    ],
    [
      ['--password', `my ${S} phrase`],
      ['--password', '***'],
    ],
    [
      ['-p', S],
      ['-p', '***'],
    ],
    [
      ['-P', S],
      ['-P', '***'],
    ],
    [[`-p=${S}`], ['-p=***']],
    [
      ['-uroot', `-p${S}`],
      ['-uroot', '-p***'],
    ],
    [
      ['-u', `admin:${S}`],
      ['-u', 'admin:***'],
    ],
    [[`--user=admin:${S}`], ['--user=admin:***']],
    [
      ['--user', `admin:${S}`],
      ['--user', 'admin:***'],
    ],
    [[`postgres://admin:${S}@db/x`], ['postgres://admin:***@db/x']],
    [[`redis://:${S}@127.0.0.1:6379/0`], ['redis://:***@127.0.0.1:6379/0']],
    [[`mongodb://admin:p@ss${S}@h1:27017,h2:27017/db`], ['mongodb://admin:***@h1:27017,h2:27017/db']],
    [[`https://${S}@github.com/o/r.git`], ['https://***@github.com/o/r.git']],
    [[`libsql://db.turso.io?authToken=${S}`], ['libsql://db.turso.io?authToken=***']],
    [[`postgres://db/x?sslmode=require&password=${S}`], ['postgres://db/x?sslmode=require&password=***']],
    [[`--url=postgres://admin:${S}@db/x`], ['--url=postgres://admin:***@db/x']],
    [
      ['-H', `Authorization: Bearer ${S}`],
      ['-H', 'Authorization: Bearer ***'],
    ],
    [
      ['-H', `authorization: token ${S}`],
      ['-H', 'authorization: token ***'],
    ],
    [
      ['-H', `X-Api-Key: ${S}`],
      ['-H', 'X-Api-Key: ***'],
    ],
    [
      ['Authorization:', S],
      ['Authorization:', '***'],
    ],
    [
      ['Bearer', S],
      ['Bearer', '***'],
    ],
    [[`--header=Authorization: Basic ${S}`], ['--header=Authorization: Basic ***']],
    [[`GITHUB_TOKEN=${S}`], ['GITHUB_TOKEN=***']],
    [[`PGPASSWORD=${S}`], ['PGPASSWORD=***']],
    [[`MYSQL_PWD=${S}`], ['MYSQL_PWD=***']],
    [[`API_KEY=${S}`], ['API_KEY=***']],
    [[`AWS_SECRET_ACCESS_KEY=${S}`], ['AWS_SECRET_ACCESS_KEY=***']],
    [
      ['-e', `POSTGRES_PASSWORD=${S}`],
      ['-e', 'POSTGRES_PASSWORD=***'],
    ],
    [[`token:${S}`], ['token:***']],
    [[`-Ddb.password=${S}`], ['-Ddb.password=***']],
    [[`host=db password=${S} user=app`], ['host=db password=*** user=app']],
    [[`--opts=a=1,password=${S}`], ['--opts=a=1,password=***']],
    [[`--password=two ${S}`], ['--password=***']],
    [
      ['--token', `${S} more`, 'next'],
      ['--token', '***', 'next'],
    ],
  ])('%j becomes %j', (args, masked) => {
    const result = redactArgs(args);
    expect(result).toEqual(masked);
    expect(result.join(' ')).not.toContain(S);
  });
});

describe('redactArgs: look-alikes are kept as they are', () => {
  test.each([
    [['--tokenizer=bpe']],
    [['--keyframes', 'fade']],
    [['--keyboard=us']],
    [['--author=me', 'file.txt']],
    [['--no-auth', 'test.js']],
    [['--port=5432', '-v', '--verbose', 'x']],
    [['postgres://db:5432/x']],
    [['http://example.com/a:b?page=2&sort=name']],
    [['KEYBOARD=us', 'AUTHOR=me', 'NODE_ENV=test']],
    [['user:admin', 'host=db']],
    [['--token=']],
    [['5']],
    [['-c', 'sleep 5']],
    [['-e', 'setInterval(() => {}, 1000)']],
  ])('%j', (args) => {
    expect(redactArgs(args)).toEqual(args);
  });
});

describe('redactValue and redactText: one rule for any user string', () => {
  test('URL credentials, user kept when a password follows', () => {
    expect(redactValue(`redis://default:${S}@cache:6379`)).toBe('redis://default:***@cache:6379');
    expect(redactValue('redis://cache:6379')).toBe('redis://cache:6379');
  });

  test('a track() name embedding a URL, a flag or a variable', () => {
    expect(redactText(`client for postgres://svc:${S}@db/x`)).toBe('client for postgres://svc:***@db/x');
    expect(redactText(`consumer --token ${S} (queue)`)).toBe('consumer --token *** (queue)');
    expect(redactText(`sdk  API_TOKEN=${S}`)).toBe('sdk  API_TOKEN=***');
    expect(redactText('Playwright browser')).toBe('Playwright browser');
    expect(redactText('Token refresher')).toBe('Token refresher');
  });

  test('masking is stable: masked output masks to itself', () => {
    const once = redactArgs(['--password', S, `postgres://a:${S}@h`, `-p${S}`, `TOKEN=${S}`]);
    expect(redactArgs(once)).toEqual(once);
  });
});

describe('describeChild: the command and its argument count, arguments only when asked', () => {
  const hidden = { childArguments: 'hidden' } as const;
  const masked = { childArguments: 'masked' } as const;

  test('spawn: the executable base name and the count; the arguments are not there', () => {
    const details = describeChild(42, '/opt/tools/bin/deploy', [`--token=${S}`, 'prod'], hidden);
    expect(details).toEqual({ pid: 42, command: 'deploy', argc: 2 });
    expect(describeChild(42, '/opt/tools/bin/deploy', [`--token=${S}`, 'prod'], masked)).toEqual({
      pid: 42,
      command: 'deploy',
      argc: 2,
      args: ['--token=***', 'prod'],
    });
  });

  test('exec: the shell beside the first word of its command', () => {
    const args = ['-c', `psql postgres://admin:${S}@db/x`];
    expect(describeChild(7, '/bin/sh', args, hidden)).toEqual({ pid: 7, shell: 'sh', command: 'psql', argc: 1 });
    expect(describeChild(7, '/bin/sh', args, masked)).toMatchObject({ args: ['postgres://admin:***@db/x'] });
  });

  test('a shell command: assignments before the command are skipped, quoted values masked whole', () => {
    const args = ['-c', `API_TOKEN=${S} /usr/local/bin/deploy --password "two ${S}" 'x y'`];
    expect(describeChild(7, '/bin/bash', args, hidden)).toEqual({ pid: 7, shell: 'bash', command: 'deploy', argc: 4 });
    expect(describeChild(7, '/bin/bash', args, masked).args).toEqual(['API_TOKEN=***', '--password', '***', "'x y'"]);
  });

  test('a shell command: a quoted header and a quoted flag value keep nothing of the secret', () => {
    const args = ['-c', `curl -H "Authorization: Bearer ${S}" --secret="a ${S}" https://api`];
    expect(describeChild(7, '/bin/sh', args, masked).args).toEqual([
      '-H',
      'Authorization: Bearer ***',
      '--secret=***',
      'https://api',
    ]);
  });

  test("Windows: cmd.exe's /c command", () => {
    const args = ['/d', '/s', '/c', `"deploy --token=${S}"`];
    expect(describeChild(7, 'C:\\Windows\\system32\\cmd.exe', args, masked)).toEqual({
      pid: 7,
      shell: 'cmd.exe',
      command: 'deploy',
      argc: 1,
      args: ['--token=***'],
    });
  });

  test('fork: node, the script and its arguments counted', () => {
    const args = ['/repo/test/worker.js', '--password', S];
    expect(describeChild(9, '/usr/local/bin/node', args, hidden)).toEqual({ pid: 9, command: 'node', argc: 3 });
    expect(describeChild(9, '/usr/local/bin/node', args, masked).args).toEqual([
      '/repo/test/worker.js',
      '--password',
      '***',
    ]);
  });

  test('no leaking case keeps the secret in any detail', () => {
    const cases: Array<[string, string[]]> = [
      ['deploy', [`--token=${S}`]],
      ['/bin/sh', ['-c', `psql postgres://admin:${S}@db/x`]],
      ['node', ['w.js', '--password', S]],
      ['/bin/sh', ['-c', `PGPASSWORD=${S} psql`]],
    ];
    for (const [file, args] of cases)
      for (const view of [hidden, masked]) expect(JSON.stringify(describeChild(1, file, args, view))).not.toContain(S);
  });
});

describe('the childArguments option', () => {
  test("defaults to 'hidden'; 'masked' is taken from any layer", () => {
    expect(resolveOptions([], {}).childArguments).toBe('hidden');
    expect(resolveOptions([{ childArguments: 'masked' }], {}).childArguments).toBe('masked');
    expect(resolveOptions([{ childArguments: 'masked' }, { childArguments: undefined }], {}).childArguments).toBe(
      'masked',
    );
  });

  test.each([['shown'], [true], ['verbatim']])('%j is a config error naming the key and the values', (value) => {
    expect(() => validateOptions({ childArguments: value }, 'leakwatch.config.ts')).toThrow(
      /invalid value for "childArguments".* in leakwatch\.config\.ts\. Fix: use 'hidden' .* or 'masked'/,
    );
  });
});
