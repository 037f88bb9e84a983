// `npm run prov -- ARGS` runs prov in the folder npm was started from (npm runs scripts
// from the package root and says where it started in INIT_CWD), so README's
// `cd demo && npm run --silent prov -- ls` means demo/, as a user expects.
const from = process.env["INIT_CWD"];
if (from) process.chdir(from);
await import("../src/cli.js");
