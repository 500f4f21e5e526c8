import type { Command } from "commander";
import { lazyAction } from "../command-kit.js";
import { profileName } from "../parse.js";

export function registerProfiles(program: Command): void {
  const profiles = program.command("profiles").description("manage profiles (one login each)");
  lazyAction(
    profiles.command("list").description("list profiles and who is logged in to each"),
    async () => (await import("../actions/profiles.js")).listProfiles,
  );
  lazyAction<[string]>(
    profiles
      .command("remove")
      .argument("<name>", "profile to remove", profileName)
      .description("log out and forget a profile"),
    async () => (await import("../actions/profiles.js")).removeProfile,
  );
}
