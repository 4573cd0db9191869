const { withLeakwatch } = require('@leakwatch/jest');

module.exports = withLeakwatch(
  { testEnvironment: 'node' },
  { outputFile: { json: 'reports/leakwatch.json', junit: 'reports/leakwatch-junit.xml' } },
);
