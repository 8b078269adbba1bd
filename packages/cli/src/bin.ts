#!/usr/bin/env node
import { main } from './main.js';

// Exit explicitly: a backend may keep handles open (thread pools, GPU devices) after the last run.
process.exit(await main(process.argv.slice(2)));
