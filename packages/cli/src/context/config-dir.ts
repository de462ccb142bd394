/**
 * Where the CLI keeps its settings: `RIVULET_CONFIG_DIR` when set (tests, several setups side
 * by side), else `$XDG_CONFIG_HOME/rivulet`, else `~/.config/rivulet` (the XDG Base Directory
 * default, which is also where `nats` and `rpk`-style tools look on Linux and macOS).
 */
import { homedir } from "node:os";
import { isAbsolute, join } from "node:path";

export function configDir(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  const override = env.RIVULET_CONFIG_DIR;
  if (override !== undefined && override !== "") return override;
  const xdg = env.XDG_CONFIG_HOME;
  // The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
  if (xdg !== undefined && isAbsolute(xdg)) return join(xdg, "rivulet");
  return join(home, ".config", "rivulet");
}
