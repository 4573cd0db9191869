import v8 from 'node:v8';
import vm from 'node:vm';

let gc: (() => void) | undefined;

/** A full GC without requiring --expose-gc on the command line; only called when a cheap sample crosses the threshold. */
function forceGc(): void {
  if (!gc) {
    if (typeof (globalThis as any).gc === 'function') gc = (globalThis as any).gc;
    else {
      v8.setFlagsFromString('--expose-gc');
      gc = vm.runInNewContext('gc') as () => void;
    }
  }
  gc!();
}

function heapUsed(): number {
  return v8.getHeapStatistics().used_heap_size;
}

/**
 * Heap growth of one test. The baseline is taken without a GC, so garbage already present makes the measured growth
 * smaller, never larger: a finding needs the heap, after a full GC, to have grown by more than the threshold.
 */
export class HeapProbe {
  private base = 0;
  /** The heap at the last test's end; v8's statistics walk every heap page, ~50 µs a call on a 400 MB heap. */
  private last: number | undefined;

  /** `reuse`: nothing ran since the last test ended (see Detector.testStart), so its end is this start. */
  start(reuse = false): void {
    this.base = reuse && this.last !== undefined ? this.last : heapUsed();
    this.last = undefined;
  }

  /** Bytes grown beyond `threshold`, or undefined. */
  end(threshold: number): number | undefined {
    const used = heapUsed();
    this.last = used;
    if (used - this.base <= threshold) return undefined;
    forceGc();
    const collected = heapUsed();
    this.last = collected;
    const grown = collected - this.base;
    return grown > threshold ? grown : undefined;
  }
}
