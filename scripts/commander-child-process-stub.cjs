// Stands in for node:child_process inside commander in the CLI bundle only (see scripts/build.mjs).
// commander requires it at load time for executable subcommands ("git-style" separate programs),
// which lgauth does not have; loading the module cost every command ~2 ms of start-up. Should
// commander ever spawn, the real module is loaded then.
module.exports = {
  spawn: (...args) => require("node:child_process").spawn(...args),
};
