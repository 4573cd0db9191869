import { Detector } from './detector.js';
import { KINDS, type Kind } from './kinds.js';

/** A wrong call is the user's mistake, said at the call: an unknown kind would otherwise allow nothing, silently. */
function checked(call: string, kinds: unknown, reason: unknown): Kind[] {
  const list = Array.isArray(kinds) ? kinds : [kinds];
  for (const kind of list) {
    if (!(KINDS as readonly unknown[]).includes(kind)) {
      throw new TypeError(
        `leakwatch: ${call}(${JSON.stringify(kind)}, ...): not a kind. Fix: use one of ${KINDS.join(', ')} (or a list of them).`,
      );
    }
  }
  if (typeof reason !== 'string' || reason.trim() === '') {
    throw new TypeError(
      `leakwatch: ${call}(${JSON.stringify(kinds)}, ...) needs a reason. Fix: say why, e.g. ${call}('timer', 'the SDK keeps a refresh timer for the process lifetime').`,
    );
  }
  return list as Kind[];
}

/**
 * Inline opt-out for the running test: its leaks of these kinds are not reported. The reason is required, so the
 * next reader knows why: `allow('timer', 'the SDK keeps a refresh timer for the process lifetime')`.
 */
export function allow(kinds: Kind | Kind[], reason: string): void {
  Detector.shared().allow(checked('allow', kinds, reason), reason, 'test');
}

/** Inline opt-out for the whole test file (call it at module scope or in a hook). */
export function allowFile(kinds: Kind | Kind[], reason: string): void {
  Detector.shared().allow(checked('allowFile', kinds, reason), reason, 'file');
}
