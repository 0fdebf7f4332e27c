// Bundle the editor into the Python package: vnb/notebook/static/editor.js and editor.css, and
// loader.js (the tiny per-widget module that loads the shared editor.js once per page).
//
//   node build.mjs            build (npm run build)
//   node build.mjs --watch    rebuild on every change (npm run build -- --watch); with
//                             ANYWIDGET_HMR=1 anywidget sends the new files to open editors
//   node build.mjs --check    build into a temporary folder and fail when the committed files
//                             differ from it (CI: the committed build is the build of the source)
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const STATIC = join(here, "..", "vnb", "notebook", "static");
const FILES = ["editor.js", "editor.css", "loader.js"];

const options = (outdir) => ({
  entryPoints: [
    { in: join(here, "index.js"), out: "editor" }, // its stylesheet becomes editor.css beside it
    { in: join(here, "loader.js"), out: "loader" },
  ],
  outdir,
  bundle: true,
  format: "esm",
  minify: true,
  target: "es2020",
  charset: "utf8",
  legalComments: "none",
  logLevel: "info",
});

const mode = process.argv[2];
if (mode === "--watch") {
  const ctx = await esbuild.context(options(STATIC));
  await ctx.watch();
} else if (mode === "--check") {
  const out = mkdtempSync(join(tmpdir(), "vnb-widgets-"));
  try {
    await esbuild.build({ ...options(out), logLevel: "warning" });
    const stale = FILES.filter((name) => !readFileSync(join(out, name)).equals(readFileSync(join(STATIC, name))));
    if (stale.length) {
      console.error(`vnb/notebook/static/${stale.join(", ")} differ from a fresh build of widgets/: run \`npm run build\` in widgets/ and commit the result`);
      process.exit(1);
    }
    console.log(`vnb/notebook/static/{${FILES.join(",")}} match a fresh build`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
} else if (mode === undefined) {
  await esbuild.build(options(STATIC));
} else {
  console.error(`unknown option ${mode}: use --watch or --check`);
  process.exit(2);
}
