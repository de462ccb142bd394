#!/usr/bin/env node
// Entry point kept in plain JS so npm can link it before the TypeScript build has run.
import "../dist/bin.js";
