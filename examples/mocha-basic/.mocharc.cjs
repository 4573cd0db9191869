// The one line that turns leakwatch on is `require`; its options go under `leakwatch` (or in leakwatch.config.*).
module.exports = {
  require: ['@leakwatch/mocha'],
  spec: ['test/*.test.js'],
  leakwatch: {
    outputFile: { json: 'reports/leakwatch.json', junit: 'reports/leakwatch-junit.xml' },
  },
};
