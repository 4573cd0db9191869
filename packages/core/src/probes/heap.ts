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

  start(): void {
    this.base = heapUsed();
  }

  /** Bytes grown beyond `threshold`, or undefined. */
  end(threshold: number): number | undefined {
    if (heapUsed() - this.base <= threshold) return undefined;
    forceGc();
    const grown = heapUsed() - this.base;
    return grown > threshold ? grown : undefined;
  }
}
