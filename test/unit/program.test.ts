/**
 * A run builds only the command group its argv names (src/cli/program.ts COMMAND_GROUPS): the
 * list must name exactly the commands each group adds, and a run that names a command sees the
 * same command (options, arguments, help) as a run that builds everything.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Command } from "commander";
import { testIO } from "../../src/cli/io.js";
import { COMMAND_GROUPS, buildProgram, commandWord } from "../../src/cli/program.js";

const world = () => ({ io: testIO().io, env: {} });

describe("command groups built on demand", () => {
  test("each group adds exactly the commands COMMAND_GROUPS lists for it", () => {
    for (const [names, register] of COMMAND_GROUPS) {
      const program = new Command("lgauth");
      register(program);
      assert.deepEqual(
        program.commands.map((c) => c.name()),
        [...names],
        `${register.name}: add the new command's name to COMMAND_GROUPS in src/cli/program.ts`,
      );
    }
  });

  test("every command of the full program is in one group", () => {
    const all = buildProgram(world()).commands.map((c) => c.name());
    const listed = COMMAND_GROUPS.flatMap(([names]) => names);
    // completion is built in every run (it prints the whole tree)
    assert.deepEqual(all.filter((n) => n !== "completion").sort(), [...listed].sort());
    assert.equal(new Set(listed).size, listed.length, "a name in two groups");
  });

  test("the command word skips options and the values of global options", () => {
    assert.equal(commandWord(["whoami"]), "whoami");
    assert.equal(commandWord(["--profile", "threads", "--json", "whoami", "--x"]), "whoami");
    assert.equal(commandWord(["-p", "a", "--supabase-url", "http://x", "threads", "list"]), "threads");
    assert.equal(commandWord(["--profile=a", "token"]), "token");
    assert.equal(commandWord(["--help"]), undefined);
  });

  test("a run that names a command builds its group, and that command is the same as in the full program", () => {
    const full = buildProgram(world());
    for (const [names] of COMMAND_GROUPS) {
      for (const name of names) {
        const partial = buildProgram(world(), undefined, ["--profile", "p", name, "--help"]);
        const built = partial.commands.map((c) => c.name());
        assert.ok(built.includes(name));
        assert.ok(built.length < full.commands.length, `${name}: only its group`);
        const a = partial.commands.find((c) => c.name() === name);
        const b = full.commands.find((c) => c.name() === name);
        assert.equal(a?.helpInformation(), b?.helpInformation(), `${name}'s help`);
      }
    }
    assert.equal(buildProgram(world(), undefined, ["nosuch"]).commands.length, full.commands.length);
    assert.equal(buildProgram(world(), undefined, ["completion", "bash"]).commands.length, full.commands.length);
  });
});
