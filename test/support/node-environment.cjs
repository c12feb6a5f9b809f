'use strict';
/**
 * jest's node environment, plus the warnings Node emits in this jest process while a test
 * file runs. A test file sees only a copy of `process`, whose 'warning' listeners Node never
 * calls, so the listener is on the real one, here; node-warnings.setup.ts reads the list.
 */
const { TestEnvironment } = require('jest-environment-node');

const WARNINGS = Symbol.for('nest-concurrency-starter.jest-process-warnings');

class NodeWarningsEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.warnings = [];
    this.global[WARNINGS] = this.warnings;
    this.onWarning = (warning) =>
      this.warnings.push(
        `${warning.name}${warning.code ? ` [${warning.code}]` : ''}: ${warning.message}`,
      );
  }

  async setup() {
    await super.setup();
    process.on('warning', this.onWarning);
  }

  async teardown() {
    process.off('warning', this.onWarning);
    await super.teardown();
  }
}

module.exports = NodeWarningsEnvironment;
