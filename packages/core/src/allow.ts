import { Detector } from './detector.js';
import type { Kind } from './kinds.js';

/**
 * Inline opt-out for the running test: its leaks of these kinds are not reported. The reason is required, so the
 * next reader knows why: `allow('timer', 'the SDK keeps a refresh timer for the process lifetime')`.
 */
export function allow(kinds: Kind | Kind[], reason: string): void {
  Detector.shared().allow(kinds, reason, 'test');
}

/** Inline opt-out for the whole test file (call it at module scope or in a hook). */
export function allowFile(kinds: Kind | Kind[], reason: string): void {
  Detector.shared().allow(kinds, reason, 'file');
}
