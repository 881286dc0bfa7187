#!/usr/bin/env node
// The secrets service as a plain `node` entry: registers tsx's loader for the TypeScript sources, then starts.
import { register } from "tsx/esm/api";

register();
await import("../services/main.ts");
