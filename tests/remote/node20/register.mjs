// Node 20 has no fs.globSync (added in Node 22), which the MCP conformance suite imports at start. This loader hook
// gives the suite's module a small globSync so its server scenarios run on Node 20; on Node 22+ it is not loaded.
import { register } from "node:module";

register("./hooks.mjs", import.meta.url);
