'use strict';
// Mocha's spec reporter, plus the plain closing line CI reads: "N passed, N failed[, N skipped]".
const Mocha = require('mocha');
const { Spec } = Mocha.reporters;
const { EVENT_RUN_END } = Mocha.Runner.constants;

class SummaryReporter extends Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const s = runner.stats || {};
      const passed = s.passes || 0;
      const failed = s.failures || 0;
      const skipped = s.pending || 0;
      // Spec prints its epilogue on the same event; print after it.
      process.nextTick(() => {
        process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
      });
    });
  }
}
module.exports = SummaryReporter;
