import { Argument, type Command } from "commander";
import { lazyAction } from "../command-kit.js";
import type { RemoveOptions } from "../actions/profiles.js";
import { profileName } from "../parse.js";

export function registerProfiles(program: Command): void {
  const profiles = program.command("profiles").description("manage profiles (one login each)");
  lazyAction(
    profiles.command("list").description("list profiles and who is logged in to each"),
    async () => (await import("../actions/profiles.js")).listProfiles,
  );
  lazyAction<[string], RemoveOptions>(
    profiles
      .command("remove")
      .argument("<profile>", "profile to remove", profileName)
      .description("log out and forget a profile (asks first on a terminal when it is logged in)")
      .option("-y, --yes", "do not ask for confirmation"),
    async () => (await import("../actions/profiles.js")).removeProfile,
  );
  lazyAction<[string | undefined]>(
    program
      .command("switch")
      .addArgument(new Argument("[profile]", "the profile to make active").argParser(profileName))
      .description("make a profile the active one (saved; --profile and LGAUTH_PROFILE still win)")
      .addHelpText(
        "after",
        [
          "",
          "Without a name it switches to the other profile when there are two, and on a terminal",
          "offers a list when there are more. `lgauth status` and `lgauth profiles list` mark the active one.",
        ].join("\n"),
      ),
    async () => (await import("../actions/switch.js")).switchProfile,
  );
}
