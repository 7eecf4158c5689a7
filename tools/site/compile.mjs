// node compile.mjs PYODIDE_CORE_DIR IN_DIR OUT_DIR MODE: runs pycompile.py (beside this file) in
// Pyodide, the only Python 3.14 at hand, to add bytecode to the wheels of IN_DIR.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [core, inDir, outDir, mode] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(`${core}/pyodide.mjs`).href);
const pyodide = await loadPyodide({ indexURL: `${core}/` });
pyodide.mountNodeFS("/in", inDir);
pyodide.mountNodeFS("/out", outDir);
pyodide.globals.set("IN_DIR", "/in");
pyodide.globals.set("OUT_DIR", "/out");
pyodide.globals.set("MODE", mode);
pyodide.runPython(readFileSync(new URL("./pycompile.py", import.meta.url), "utf8"));
