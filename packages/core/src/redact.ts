/**
 * The one rule for user data shown in reports (child-process arguments, database details, track() names): values
 * that look like secrets become `***`. Reports are uploaded as CI artifacts, annotated on pull requests and pasted
 * into tickets, so they are read by more people than the test code; masking errs on the side of hiding too much.
 *
 * A name (a flag's, a `KEY=value` key's, a header's) names a secret when one of its words ends with a secret word
 * (SECRET_WORDS). Words are split at every character that is not a letter or digit and at camelCase humps, so
 * `GITHUB_TOKEN`, `authToken`, `PGPASSWORD`, `api-key`, `DB_PASS` and `oauth` name secrets, while `tokenizer`,
 * `keyframes`, `author` and `keyboard` do not (their words do not end with one). Rules, in order, for each word:
 *
 * - the value after a secret flag (`--password pw`, `--token t`; not `--no-auth`, a negation takes no value), after
 *   `-p`/`-P` (`-p pw`; also `-p=pw`, and a glued `-ppw` as mysql takes it, which masks find's `-print` too), after
 *   `Bearer`/`Basic`, and after a secret header name (`Authorization: Bearer t` keeps the scheme): the whole word;
 * - `--user u:pw`, `-u u:pw`, `--user=u:pw` (curl): the part after the colon;
 * - `--secret-flag=value`: `--secret-flag=***`;
 * - `-Dkey=value` (Java properties) and any value: the rules below;
 * - URL credentials: `scheme://user:pw@host` becomes `scheme://user:***@host`, and `scheme://token@host` (a user
 *   name alone, as in `https://<token>@github.com`) becomes `scheme://***@host`;
 * - `KEY=value` and `key:value` (at the start, or after `?`, `&`, `;` or `,`, so query strings and option lists too)
 *   whose key names a secret: `KEY=***`.
 *
 * Not recognized: secrets in JSON or code (`node -e '...'`), a secret word in plain prose ("token abc"), and a value
 * split over several arguments.
 */

/** A word of a name that ends with one of these names a secret. */
const SECRET_WORDS = [
  'token',
  'tokens',
  'secret',
  'secrets',
  'password',
  'passwords',
  'passwd',
  'pass',
  'passphrase',
  'pwd',
  'key',
  'keys',
  'auth',
  'authorization',
  'credential',
  'credentials',
  'cookie',
  'cookies',
];

const MASK = '***';

/** Authorization schemes kept after a header name, so `Authorization: Bearer ***` still says which. */
const SCHEMES = new Set(['bearer', 'basic', 'digest', 'token', 'bot', 'apikey', 'negotiate']);

/** Whether a flag name, a variable or a header names a secret (see the module's comment). */
export function namesSecret(name: string): boolean {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/);
  return words.some((word) => word !== '' && SECRET_WORDS.some((secret) => word.endsWith(secret)));
}

/** What the next word is, after the current one: a flag's value, a header's value, curl's `user:password`. */
type Pending = null | 'value' | 'header' | 'userpass';

const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)([^/?#\s]*)@/gi;
const KEY_VALUE = /(^|[?&;,])([A-Za-z_][\w.-]*)([=:])(?!\/\/)([^&;,\s]*)/g;
const FLAG = /^(--?)([A-Za-z][\w.-]*)(?:=([\s\S]*))?$/;

const maskUserPass = (value: string): string => {
  const colon = value.indexOf(':');
  return colon === -1 ? value : `${value.slice(0, colon)}:${MASK}`;
};

/** URL credentials and secret `KEY=value` pairs inside one value (a URL, a query string, an option list). */
export function redactValue(value: string): string {
  return value
    .replace(URL_CREDENTIALS, (_all, scheme: string, info: string) => {
      if (info === '') return `${scheme}@`;
      const colon = info.indexOf(':');
      return `${scheme}${colon === -1 ? MASK : `${info.slice(0, colon)}:${MASK}`}@`;
    })
    .replace(KEY_VALUE, (all, before: string, key: string, sep: string, secret: string) =>
      secret !== '' && namesSecret(key) ? `${before}${key}${sep}${MASK}` : all,
    );
}

/** One word, and what it makes of the next one. */
function redactWord(word: string): [string, Pending] {
  const flag = FLAG.exec(word);
  if (flag) {
    const [, dashes, name, value] = flag as unknown as [string, string, string, string | undefined];
    if (dashes === '-') {
      const letter = name[0]!;
      if (letter === 'p' || letter === 'P') {
        if (name.length === 1) return value === undefined ? [word, 'value'] : [`-${name}=${value ? MASK : ''}`, null];
        // mysql's `-ppassword`; find's `-print` is masked too (a single-dash word cannot tell them apart).
        return [`-${letter}${MASK}`, null];
      }
      if (name === 'u' && value === undefined) return [word, 'userpass'];
      if (letter === 'D' && name.length > 1) return [`-D${redactValue(word.slice(2))}`, null];
      return [redactValue(word), null];
    }
    const user = name.toLowerCase() === 'user';
    if (value === undefined) {
      if (user) return [word, 'userpass'];
      return [word, namesSecret(name) && !/^no[-_]/i.test(name) ? 'value' : null];
    }
    if (namesSecret(name)) return [`--${name}=${value ? MASK : ''}`, null];
    return [`--${name}=${user ? maskUserPass(value) : redactValue(value)}`, null];
  }
  if (/^(?:bearer|basic)$/i.test(word)) return [word, 'value'];
  const header = /^([A-Za-z][\w.-]*):$/.exec(word);
  if (header && namesSecret(header[1]!)) return [word, 'header'];
  return [redactValue(word), null];
}

/** Quotes of a shell word, removed to judge it (`--password="a b"` is `--password=a b`). */
function unquote(word: string): string {
  return word.replace(
    /'([^']*)'|"((?:\\.|[^"\\])*)"/g,
    (_all, single: string | undefined, double: string | undefined) =>
      single !== undefined ? single : (double ?? '').replace(/\\(.)/g, '$1'),
  );
}

/** Masks words in order: a word can make the next one a value to hide (`--password pw`). */
class Masker {
  private pending: Pending = null;

  /** A shell word is judged without its quotes, and shown as written unless something in it was masked. */
  word(raw: string, quoted = false): string {
    const word = quoted ? unquote(raw) : raw;
    const result = this.argument(word);
    return quoted && result === word ? raw : result;
  }

  /**
   * One argument. Holding spaces, it is the value of a secret flag before it, or of its own (`--password=two words`),
   * whole; otherwise its words are masked as text (`Authorization: Bearer t`).
   */
  argument(arg: string): string {
    if (!/\s/.test(arg)) return this.single(arg);
    const pending = this.pending;
    if (pending === 'value' || pending === 'userpass') {
      this.pending = null;
      return pending === 'value' ? MASK : maskUserPass(arg);
    }
    const flag = FLAG.exec(arg);
    if (pending === null && flag?.[3] && namesSecret(flag[2]!)) return `${flag[1]}${flag[2]}=${MASK}`;
    return this.text(arg);
  }

  /** Text of several words, its spacing kept. */
  text(text: string): string {
    return text
      .split(/(\s+)/)
      .map((part, i) => (i % 2 === 0 ? this.single(part) : part))
      .join('');
  }

  /** A word without spaces. */
  private single(word: string): string {
    const pending = this.pending;
    this.pending = null;
    if (pending === 'header' && SCHEMES.has(word.toLowerCase())) {
      this.pending = 'value';
      return word;
    }
    if (pending === 'value' || pending === 'header') return word === '' ? word : MASK;
    if (pending === 'userpass') return maskUserPass(word);
    const [result, next] = redactWord(word);
    this.pending = next;
    return result;
  }
}

/** Words in order, a flag's value masked with it; `quoted`: a shell command's words, quotes and all. */
export function redactWords(words: readonly string[], quoted = false): string[] {
  const masker = new Masker();
  return words.map((w) => masker.word(w, quoted));
}

/** Free text (a track() name, a hint): its whitespace-separated words masked in order, the spacing kept. */
export function redactText(text: string): string {
  return new Masker().text(text);
}

/** A program's argument list; an argument holding spaces (`-H 'Authorization: Bearer t'`) is masked as text. */
export function redactArgs(args: readonly string[]): string[] {
  const masker = new Masker();
  return args.map((a) => masker.word(a));
}

/** A driver's detail (host, database, URL) as a report shows it: a string goes through redactValue, the rest as is. */
export const redactDetail = (value: unknown): unknown => (typeof value === 'string' ? redactValue(value) : value);
