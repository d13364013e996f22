#!/usr/bin/env -S node --min-semi-space-size=16
// The warmline command: runs the TypeScript CLI through tsx's loader, so there is no build step to forget.
// Node's flags above are the service's (SERVICE_NODE_FLAGS in src/cli/service-heap.ts).
import { register } from "tsx/esm/api";

register();
await import("../src/cli/main.ts");
