'use strict';

/**
 * Retries `assertion` until it stops throwing or `timeout` ms have passed, then rethrows its last error.
 * node:test has no built-in `waitFor`; this is the usual few-line stand-in. Every wait is awaited, so no timer
 * outlives the call.
 */
async function waitFor(assertion, { timeout = 2000, interval = 10 } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      return await assertion();
    } catch (error) {
      if (Date.now() >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, interval));
    }
  }
}

module.exports = { waitFor };
