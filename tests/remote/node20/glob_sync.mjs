// The subset of fs.globSync the conformance suite needs: `*` and `**` in a relative or absolute pattern.
import { readdirSync } from "node:fs";
import { join, isAbsolute, relative } from "node:path";

function toRegExp(pattern) {
  let out = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "*" && pattern[i + 1] === "*") { out += ".*"; i++; if (pattern[i + 1] === "/") i++; }
    else if (c === "*") out += "[^/]*";
    else if (c === "?") out += "[^/]";
    else out += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${out}$`);
}

export function globSync(pattern, options = {}) {
  const patterns = Array.isArray(pattern) ? pattern : [pattern];
  const cwd = options.cwd ? String(options.cwd) : process.cwd();
  const found = new Set();
  for (const p of patterns) {
    const absolute = isAbsolute(p);
    const root = absolute ? p.slice(0, p.search(/[*?]/)).replace(/[^/]*$/, "") || "/" : cwd;
    const re = toRegExp(absolute ? p : p);
    let entries = [];
    try { entries = readdirSync(root, { recursive: true }); } catch { continue; }
    for (const entry of entries) {
      const full = join(root, String(entry));
      const candidate = absolute ? full : relative(cwd, full);
      if (re.test(candidate)) found.add(candidate);
    }
  }
  return [...found];
}
