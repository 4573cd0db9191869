/** @type {import('@leakwatch/node-test').LeakwatchOptions} */
module.exports = { outputFile: { json: 'reports/leakwatch.json', junit: 'reports/leakwatch-junit.xml' } };
