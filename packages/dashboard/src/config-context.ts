/** The server's dashboard config, given to every page through context by the app. */
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { UiConfig } from "./api/config.js";

export const ConfigContext = createContext<UiConfig>({ basePath: "/v1/stream", auth: false });

export function useConfig(): UiConfig {
  return useContext(ConfigContext);
}
