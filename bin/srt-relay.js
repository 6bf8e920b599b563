#!/usr/bin/env node
'use strict';
require('../dist/src/cli/srt-relay.js').main(process.argv.slice(2));
