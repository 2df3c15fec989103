#!/usr/bin/env node
// The `xacminh` command. Sources are TypeScript run through tsx, so `npx xacminh` works right after
// `npm ci` with no build step.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
