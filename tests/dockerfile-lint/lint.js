// Lints Dockerfiles with dockerfile-utils (the validator behind the VS Code
// Dockerfile support): every problem, error or warning, fails `make lint`.
const fs = require('fs');
const { validate } = require('dockerfile-utils');

let failed = false;
for (const path of process.argv.slice(2)) {
  const text = fs.readFileSync(path, 'utf8');
  const problems = validate(text, {}); // default settings: every rule on
  for (const p of problems) {
    failed = true;
    console.log(`${path}:${p.range.start.line + 1}:${p.range.start.character + 1}: ${p.message}`);
  }
  if (problems.length === 0) console.log(`${path}: ok`);
}
process.exit(failed ? 1 : 0);
