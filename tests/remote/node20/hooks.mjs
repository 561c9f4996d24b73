const SHIM = new URL("./glob_sync.mjs", import.meta.url).href;

export async function load(url, context, nextLoad) {
  const result = await nextLoad(url, context);
  if (!url.includes("/@modelcontextprotocol/conformance/dist/")) return result;
  let source = String(result.source);
  source = source.replace(/import\{([^}]*)\}from"fs";/, (whole, names) => {
    const parts = names.split(",");
    const glob = parts.find((p) => p.trim().startsWith("globSync"));
    if (!glob) return whole;
    const rest = parts.filter((p) => p !== glob).join(",");
    return `import{${rest}}from"fs";import{${glob}}from"${SHIM}";`;
  });
  return { ...result, source, shortCircuit: true };
}
