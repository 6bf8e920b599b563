#!/usr/bin/env node
'use strict';
require('../dist/src/cli/srt-pipe.js').main(process.argv.slice(2));
